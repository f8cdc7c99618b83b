namespace MLExtensions;

/// <summary>
/// Triangular cycles of <see cref="CycleEpochs"/> epochs between the base rate times <see cref="MinimumFraction"/>
/// (at the start and end of each cycle) and the base rate (mid-cycle).
/// </summary>
public sealed class CyclicalSchedule : LearningRateSchedule
{
    internal CyclicalSchedule(int cycleEpochs, double minimumFraction, int warmupEpochs) : base(warmupEpochs)
        => (CycleEpochs, MinimumFraction) = (cycleEpochs, minimumFraction);

    /// <summary>Epochs per triangular cycle.</summary>
    public int CycleEpochs { get; }

    /// <summary>The fraction of the base rate at the bottom of each cycle.</summary>
    public double MinimumFraction { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position)
        => MinimumFraction + (1 - MinimumFraction) * (1 - Math.Abs(2 * (position.Progress % CycleEpochs) / CycleEpochs - 1));
}
