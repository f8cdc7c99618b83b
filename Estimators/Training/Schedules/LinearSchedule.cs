namespace MLExtensions;

/// <summary>Linear decay, step by step, from the base rate to the base rate times <see cref="FinalFraction"/> at the end of the run.</summary>
public sealed class LinearSchedule : LearningRateSchedule
{
    internal LinearSchedule(double finalFraction, int warmupEpochs) : base(warmupEpochs) => FinalFraction = finalFraction;

    public double FinalFraction { get; }

    protected override double Multiple(SchedulePosition position) => 1 - (1 - FinalFraction) * position.Progress / position.Length;
}
