using System.Globalization;

namespace MLExtensions;

/// <summary>One trained configuration of a <see cref="HyperparameterSearch"/>.</summary>
/// <param name="Stage">"coarse", "fine" or "baseline".</param>
/// <param name="Rung">0 for the first rung; each later rung trains the survivors for more epochs.</param>
public sealed record SearchTrial(string Stage, int Rung, int Epochs, IReadOnlyDictionary<string, double> Values,
    double ValidationAccuracy, double ValidationLoss, double Seconds, bool FromLog = false)
{
    /// <summary>
    /// Identifies the trial in the trial log: the same stage, rung, epochs and values are the same trial.
    /// </summary>
    public string Key => $"{Stage}|{Rung}|{Epochs}|{string.Join(",", Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value.ToString("R", CultureInfo.InvariantCulture)}"))}";

    /// <inheritdoc />
    public override string ToString()
        => $"{Stage} rung {Rung} ({Epochs} epochs): {string.Join(", ", Values.Select(v => $"{v.Key} {v.Value.ToString("G3", CultureInfo.InvariantCulture)}"))} → " +
           $"validation accuracy {ValidationAccuracy.ToString("P2", CultureInfo.InvariantCulture)}, loss {ValidationLoss.ToString("F4", CultureInfo.InvariantCulture)}, " +
           $"{Seconds.ToString("F0", CultureInfo.InvariantCulture)} s{(FromLog ? " (from the trial log)" : "")}";
}
