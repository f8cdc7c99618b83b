namespace MLExtensions;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> whenever the validation loss (the training loss without
/// validation data) has not improved by more than <see cref="MetricMonitor.MinDelta"/> for <see cref="Patience"/>
/// epochs. It scales whatever the schedule sets, so it combines with any schedule.
/// </summary>
public sealed class ReduceLearningRateOnPlateau : MetricMonitor
{
    /// <summary>
    /// Multiplies the learning rate by <paramref name="factor"/> after <paramref name="patience"/> epochs without
    /// improvement of the validation loss (the training loss when there is no validation data).
    /// </summary>
    /// <param name="patience">Epochs without improvement before a reduction, ≥ 1 (default 2).</param>
    /// <param name="factor">The multiplier, in (0, 1) (default 0.5).</param>
    /// <param name="minDelta">An epoch improves only when it beats the best loss by more than this, ≥ 0 (default
    /// 0).</param>
    public ReduceLearningRateOnPlateau(int patience = 2, double factor = 0.5, double minDelta = 0)
        : base(minDelta, higherIsBetter: false)
    {
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), $"patience must be positive, got {patience}.");
        if (factor is not (> 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), "The factor must be in (0, 1).");
        Patience = patience;
        Factor = factor;
    }

    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }

    /// <summary>What the rate is multiplied by at each reduction.</summary>
    public double Factor { get; }

    /// <summary>The product of the cuts so far: the scheduled rate is multiplied by it.</summary>
    public double Reduction { get; private set; } = 1;

    /// <inheritdoc />
    public override int Order => CallbackOrder.Plateau;

    /// <inheritdoc />
    protected override double Read(EpochMetrics metrics) => metrics.ValidationLoss ?? metrics.TrainLoss;

    /// <inheritdoc />
    public override void OnFitBegin(TrainingState state)
    {
        base.OnFitBegin(state);
        Reduction = 1;
    }

    /// <inheritdoc />
    public override void OnBatchBegin(TrainingState state) => state.LearningRate *= Reduction;

    /// <inheritdoc />
    protected override void OnNotImproved(TrainingState state)
    {
        if (EpochsWithoutImprovement < Patience)
            return;
        Reduction *= Factor;
        ResetWait();
        state.Log($"no improvement for {Patience} epochs; learning rate multiplied by {Factor} (now ×{Reduction:G4}).");
    }

    /// <inheritdoc />
    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        base.SaveState(state, checkpoint);
        checkpoint.Set("reduction", Reduction);
    }

    /// <inheritdoc />
    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        base.LoadState(state, checkpoint);
        Reduction = checkpoint.GetDouble("reduction");
    }
}
