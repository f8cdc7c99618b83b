namespace MLExtensions;

/// <summary>
/// Stops training when the validation metric has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs, and (by default) restores the weights of the best epoch. Needs validation data.
/// </summary>
public sealed class EarlyStopping
{
    public enum Metric { ValidationLoss, ValidationAccuracy }

    public EarlyStopping(int patience = 3, double minDelta = 0, Metric monitor = Metric.ValidationLoss, bool restoreBestWeights = true)
    {
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), $"Patience must be at least 1, got {patience}.");
        if (minDelta < 0)
            throw new ArgumentOutOfRangeException(nameof(minDelta), "MinDelta cannot be negative.");
        Patience = patience;
        MinDelta = minDelta;
        Monitor = monitor;
        RestoreBestWeights = restoreBestWeights;
    }

    public int Patience { get; }
    public double MinDelta { get; }
    public Metric Monitor { get; }
    public bool RestoreBestWeights { get; }
}
