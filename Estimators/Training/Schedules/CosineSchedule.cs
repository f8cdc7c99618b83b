namespace MLExtensions;

/// <summary>
/// Cosine annealing, step by step: m + (1 − m)(1 + cos(π t/T))/2 times the base rate, m =
/// <see cref="MinimumFraction"/>.
/// </summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    internal CosineSchedule(double minimumFraction, int warmupEpochs) : base(warmupEpochs) => MinimumFraction = minimumFraction;

    /// <summary>The fraction of the base rate the cosine ends at, in [0, 1).</summary>
    public double MinimumFraction { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position)
        => MinimumFraction + (1 - MinimumFraction) * (1 + Math.Cos(Math.PI * position.Progress / position.Length)) / 2;
}
