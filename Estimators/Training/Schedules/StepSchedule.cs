namespace MLExtensions;

/// <summary>Step decay: the base rate times <see cref="Gamma"/>^⌊e / <see cref="StepEpochs"/>⌋ in epoch e.</summary>
public sealed class StepSchedule : LearningRateSchedule
{
    internal StepSchedule(int stepEpochs, double gamma, int warmupEpochs) : base(warmupEpochs)
        => (StepEpochs, Gamma) = (stepEpochs, gamma);

    /// <summary>Epochs between reductions.</summary>
    public int StepEpochs { get; }

    /// <summary>The multiplier applied every <see cref="StepEpochs"/> epochs.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => Math.Pow(Gamma, position.Epoch / StepEpochs);
}
