namespace MLExtensions;

/// <summary>The base rate times <see cref="Gamma"/> for every milestone epoch (0-based) reached.</summary>
public sealed class MultiStepSchedule : LearningRateSchedule
{
    internal MultiStepSchedule(IReadOnlyList<int> milestones, double gamma, int warmupEpochs) : base(warmupEpochs)
        => (Milestones, Gamma) = (milestones, gamma);

    /// <summary>The epochs (0-based) at which the rate is multiplied by <see cref="Gamma"/>.</summary>
    public IReadOnlyList<int> Milestones { get; }

    /// <summary>The multiplier applied at each milestone.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => Math.Pow(Gamma, Milestones.Count(m => m <= position.Epoch));
}
