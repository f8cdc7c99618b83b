namespace MLExtensions;

/// <summary>
/// Stochastic weight averaging (Izmailov et al. 2018): the arithmetic mean of the weights at the end of every epoch
/// from <see cref="StartEpoch"/> (1-based) on. BatchNorm running statistics are averaged alongside for validation
/// during training; at the end they are recomputed for the averaged weights by one pass over the training images
/// (unaugmented, cumulative average over batches). Pair it with a schedule that keeps the rate up while averaging
/// (e.g. <c>LearningRateSchedule.Constant</c> or <c>Cyclical</c>).
/// </summary>
public sealed class StochasticWeightAveraging : WeightAveraging
{
    internal StochasticWeightAveraging(int startEpoch)
    {
        if (startEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(startEpoch), $"SWA's start epoch is 1-based and must be at least 1, got {startEpoch}.");
        StartEpoch = startEpoch;
    }

    /// <summary>The first epoch (1-based) whose end-of-epoch weights enter the average.</summary>
    public int StartEpoch { get; }

    // The epoch's training is done and validation (of the average) is next.
    /// <inheritdoc />
    public override void OnValidationBegin(TrainingState state)
    {
        if (state.Epoch + 1 >= StartEpoch)
            Update(state, keep: Updates / (Updates + 1.0));
        base.OnValidationBegin(state);
    }

    private protected override void Finish(TrainingState state) => Training.BatchNormRefresh.Run(state, TrainingNorms);

    /// <inheritdoc />
    public override string ToString() => $"SWA (from epoch {StartEpoch})";
}
