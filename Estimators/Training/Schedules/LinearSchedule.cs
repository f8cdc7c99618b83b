namespace MLExtensions;

/// <summary>
/// Linear decay, step by step, from the base rate to the base rate times <see cref="FinalFraction"/> at the end of the
/// run.
/// </summary>
public sealed class LinearSchedule : LearningRateSchedule
{
    internal LinearSchedule(double finalFraction, int warmupEpochs) : base(warmupEpochs) => FinalFraction = finalFraction;

    /// <summary>The fraction of the base rate reached at the end of training.</summary>
    public double FinalFraction { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => 1 - (1 - FinalFraction) * position.Progress / position.Length;
}
