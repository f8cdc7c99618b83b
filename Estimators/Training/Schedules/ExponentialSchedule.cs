namespace MLExtensions;

/// <summary>Exponential decay per epoch e: the base rate times e^(−<see cref="Decay"/>·e).</summary>
public sealed class ExponentialSchedule : LearningRateSchedule
{
    internal ExponentialSchedule(double decay, int warmupEpochs) : base(warmupEpochs) => Decay = decay;

    /// <summary>k in the multiple exp(−k·epoch).</summary>
    public double Decay { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => Math.Exp(-Decay * position.Epoch);
}
