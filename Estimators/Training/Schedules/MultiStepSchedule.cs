namespace MLExtensions;

/// <summary>The base rate times <see cref="Gamma"/> for every milestone epoch (0-based) reached.</summary>
public sealed class MultiStepSchedule : LearningRateSchedule
{
    internal MultiStepSchedule(IReadOnlyList<int> milestones, double gamma, int warmupEpochs) : base(warmupEpochs)
        => (Milestones, Gamma) = (milestones, gamma);

    public IReadOnlyList<int> Milestones { get; }
    public double Gamma { get; }

    protected override double Multiple(SchedulePosition position) => Math.Pow(Gamma, Milestones.Count(m => m <= position.Epoch));
}
