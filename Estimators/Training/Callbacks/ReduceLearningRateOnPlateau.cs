namespace MLExtensions;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> whenever the validation loss (the training loss without
/// validation data) has not improved by more than <see cref="MetricMonitor.MinDelta"/> for <see cref="Patience"/>
/// epochs. It scales whatever the schedule sets, so it combines with any schedule.
/// </summary>
public sealed class ReduceLearningRateOnPlateau : MetricMonitor
{
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

    public int Patience { get; }
    public double Factor { get; }

    /// <summary>The product of the cuts so far: the scheduled rate is multiplied by it.</summary>
    public double Reduction { get; private set; } = 1;

    public override int Order => CallbackOrder.Plateau;

    protected override double Read(EpochMetrics metrics) => metrics.ValidationLoss ?? metrics.TrainLoss;

    public override void OnFitBegin(TrainingState state)
    {
        base.OnFitBegin(state);
        Reduction = 1;
    }

    public override void OnBatchBegin(TrainingState state) => state.LearningRate *= Reduction;

    protected override void OnNotImproved(TrainingState state)
    {
        if (EpochsWithoutImprovement < Patience)
            return;
        Reduction *= Factor;
        ResetWait();
        state.Log($"no improvement for {Patience} epochs; learning rate multiplied by {Factor} (now ×{Reduction:G4}).");
    }

    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        base.SaveState(state, checkpoint);
        checkpoint.Set("reduction", Reduction);
    }

    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        base.LoadState(state, checkpoint);
        Reduction = checkpoint.GetDouble("reduction");
    }
}
