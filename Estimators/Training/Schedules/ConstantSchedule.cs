namespace MLExtensions;

/// <summary>The base rate throughout (after the warmup).</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    internal ConstantSchedule(int warmupEpochs) : base(warmupEpochs) { }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => 1;
}
