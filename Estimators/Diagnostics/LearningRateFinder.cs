using System.Globalization;

namespace MLExtensions;

/// <summary>Sizes of <see cref="TrainingDiagnostics.FindLearningRate"/>'s sweep.</summary>
public sealed class LearningRateFinderOptions
{
    /// <summary>The rate of the sweep's first step, > 0. Default 1e-7.</summary>
    public double StartRate { get; set; } = 1e-7;

    /// <summary>
    /// The rate of its last step (if the loss has not diverged before), > <see cref="StartRate"/>. Default 10.
    /// </summary>
    public double EndRate { get; set; } = 10;

    /// <summary>Optimizer steps of the sweep; the rate grows by the same factor at every step. Default 100.</summary>
    public int Steps { get; set; } = 100;

    /// <summary>
    /// Weight of the past in the loss's exponential moving average (bias-corrected, as fastai does). Default 0.98.
    /// </summary>
    public double Smoothing { get; set; } = 0.98;

    /// <summary>The sweep stops once the smoothed loss exceeds this many times its lowest value. Default 4.</summary>
    public double DivergenceFactor { get; set; } = 4;

    /// <summary>
    /// Points left out of the suggestion at the start of the sweep, where the average is still settling. Default 10.
    /// </summary>
    public int SkipStart { get; set; } = 10;

    /// <summary>Seed of the row sampling. Default 1.</summary>
    public int Seed { get; set; } = 1;
}

/// <summary>One step of the sweep.</summary>
public sealed record LearningRatePoint(double Rate, double Loss, double SmoothedLoss);

/// <summary>The sweep's curve and the rate it suggests.</summary>
public sealed class LearningRateFinderResult
{
    internal LearningRateFinderResult(IReadOnlyList<LearningRatePoint> points, double suggestedRate, double minimumLossRate, string stop)
    {
        Points = points;
        SuggestedRate = suggestedRate;
        MinimumLossRate = minimumLossRate;
        Stop = stop;
    }

    /// <summary>Every step of the sweep: rate, loss, smoothed loss.</summary>
    public IReadOnlyList<LearningRatePoint> Points { get; }

    /// <summary>
    /// Where the smoothed loss falls fastest (per decade of rate) before its minimum: fastai's "steep" suggestion.
    /// </summary>
    public double SuggestedRate { get; }

    /// <summary>Where the smoothed loss is lowest; a tenth of it is another common choice.</summary>
    public double MinimumLossRate { get; }

    /// <summary>Why the sweep ended.</summary>
    public string Stop { get; }

    /// <inheritdoc />
    public override string ToString()
        => $"suggested learning rate {G(SuggestedRate)} (steepest fall of the smoothed loss); lowest loss at {G(MinimumLossRate)}; " +
           $"{Points.Count} steps from {G(Points[0].Rate)} to {G(Points[^1].Rate)}, {Stop}.";

    private static string G(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}

/// <summary>
/// Sets an exponentially growing rate at every step and records the loss, stopping when the loss diverges.
/// </summary>
internal sealed class LearningRateSweep(LearningRateFinderOptions options) : TrainingCallback
{
    private readonly List<LearningRatePoint> _points = [];
    private double _average;
    private double _lowest = double.PositiveInfinity;

    public IReadOnlyList<LearningRatePoint> Points => _points;

    public string Stop { get; private set; } = "the data ran out";

    // After the schedule, so the sweep's rate is the one used.
    public override int Order => CallbackOrder.User;

    public override void OnBatchBegin(TrainingState state)
        => state.LearningRate = options.StartRate * Math.Pow(options.EndRate / options.StartRate, _points.Count / (double)(options.Steps - 1));

    public override void OnLoss(TrainingState state)
    {
        double loss = state.LossValue;
        if (!double.IsFinite(loss))
        {
            Halt(state, $"the loss became {loss} at rate {state.LearningRate:G3}");
            return;
        }
        _average = options.Smoothing * _average + (1 - options.Smoothing) * loss;
        double smoothed = _average / (1 - Math.Pow(options.Smoothing, _points.Count + 1));
        _points.Add(new LearningRatePoint(state.LearningRate, loss, smoothed));
        _lowest = Math.Min(_lowest, smoothed);
        if (smoothed > options.DivergenceFactor * _lowest)
            Halt(state, $"the smoothed loss passed {options.DivergenceFactor} times its lowest at rate {state.LearningRate:G3}");
        else if (_points.Count >= options.Steps)
            Halt(state, "the sweep reached its last rate");
    }

    private void Halt(TrainingState state, string why)
    {
        Stop = why;
        state.RequestStop($"learning-rate sweep: {why}");
    }

    /// <summary>
    /// The rate where the smoothed loss falls fastest per decade, between the settling start and the lowest loss.
    /// </summary>
    internal static (double Suggested, double Minimum) Suggest(IReadOnlyList<LearningRatePoint> points, int skipStart)
    {
        int lowest = Enumerable.Range(0, points.Count).MinBy(i => points[i].SmoothedLoss);
        int first = Math.Min(skipStart, Math.Max(0, lowest - 1));
        if (lowest - first < 2)
            return (points[lowest].Rate, points[lowest].Rate);
        int steepest = Enumerable.Range(first + 1, lowest - first - 1).MinBy(i => Slope(points, i));
        return (points[steepest].Rate, points[lowest].Rate);
    }

    private static double Slope(IReadOnlyList<LearningRatePoint> points, int i)
        => (points[i + 1].SmoothedLoss - points[i - 1].SmoothedLoss) / (Math.Log10(points[i + 1].Rate) - Math.Log10(points[i - 1].Rate));
}
