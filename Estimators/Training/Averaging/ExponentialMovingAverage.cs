namespace MLExtensions;

/// <summary>
/// Polyak averaging: after every optimizer step, average ← d·average + (1 − d)·weights, starting from the initial
/// weights, with d = <see cref="Decay"/> (or min(d, (1 + n)/(10 + n)) at update n with <see cref="Warmup"/>).
/// BatchNorm running statistics of training modules are averaged the same way; the batch counter is copied.
/// </summary>
public sealed class ExponentialMovingAverage : WeightAveraging
{
    internal ExponentialMovingAverage(double decay, bool warmup)
    {
        if (decay is not (> 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(decay), $"The EMA decay must be in (0, 1), got {decay}.");
        Decay = decay;
        Warmup = warmup;
    }

    /// <summary>The weight d of the old average at each step, in (0, 1).</summary>
    public double Decay { get; }

    /// <summary>
    /// Use the smaller decay (1 + n)/(10 + n) for the first updates, so early weights do not dominate.
    /// </summary>
    public bool Warmup { get; }

    // The initial weights are the average until the first step.
    private protected override bool IsActive => true;

    /// <summary>The decay used for update <paramref name="update"/> (0-based).</summary>
    public double DecayAt(long update) => Warmup ? Math.Min(Decay, (1.0 + update) / (10.0 + update)) : Decay;

    /// <inheritdoc />
    public override void OnStep(TrainingState state) => Update(state, DecayAt(Updates));

    /// <inheritdoc />
    public override string ToString() => $"EMA (decay {Decay}{(Warmup ? ", warmup" : "")})";
}
