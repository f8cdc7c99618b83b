namespace MLExtensions;

/// <summary>1/t decay per epoch e: the base rate divided by 1 + <see cref="Decay"/>·e.</summary>
public sealed class InverseTimeSchedule : LearningRateSchedule
{
    internal InverseTimeSchedule(double decay, int warmupEpochs) : base(warmupEpochs) => Decay = decay;

    /// <summary>k in the multiple 1/(1 + k·epoch).</summary>
    public double Decay { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => 1 / (1 + Decay * position.Epoch);
}
