namespace MLExtensions;

/// <summary>Step decay: the base rate times <see cref="Gamma"/>^⌊e / <see cref="StepEpochs"/>⌋ in epoch e.</summary>
public sealed class StepSchedule : LearningRateSchedule
{
    internal StepSchedule(int stepEpochs, double gamma, int warmupEpochs) : base(warmupEpochs)
        => (StepEpochs, Gamma) = (stepEpochs, gamma);

    public int StepEpochs { get; }
    public double Gamma { get; }

    protected override double Multiple(SchedulePosition position) => Math.Pow(Gamma, position.Epoch / StepEpochs);
}
