namespace MLExtensions;

/// <summary>
/// Stops training when the validation metric has not improved by more than <see cref="MetricMonitor.MinDelta"/> for
/// <see cref="Patience"/> epochs, and (by default) restores the weights of the best epoch at the end. Needs
/// validation data. Set it as <c>Options.EarlyStopping</c> (or add it to <c>Options.Callbacks</c>).
/// </summary>
public sealed class EarlyStopping : MetricMonitor
{
    public enum Metric { ValidationLoss, ValidationAccuracy }

    private WeightSnapshot? _best;

    public EarlyStopping(int patience = 3, double minDelta = 0, Metric monitor = Metric.ValidationLoss, bool restoreBestWeights = true)
        : base(minDelta, higherIsBetter: monitor == Metric.ValidationAccuracy)
    {
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), $"Patience must be at least 1, got {patience}.");
        Patience = patience;
        Monitor = monitor;
        RestoreBestWeights = restoreBestWeights;
    }

    public int Patience { get; }
    public Metric Monitor { get; }
    public bool RestoreBestWeights { get; }

    public override int Order => CallbackOrder.EarlyStopping;

    protected override double Read(EpochMetrics metrics)
        => (Monitor == Metric.ValidationLoss ? metrics.ValidationLoss : metrics.ValidationAccuracy)
           ?? throw new InvalidOperationException($"EarlyStopping monitors the {Monitor}, but epoch {metrics.Epoch} has no validation metrics.");

    public override void OnFitBegin(TrainingState state)
    {
        if (!state.HasValidation)
            throw new InvalidOperationException("EarlyStopping monitors validation data: set ValidationSet or ValidationFraction.");
        base.OnFitBegin(state);
        ReleaseBest();
    }

    protected override void OnImproved(TrainingState state)
    {
        if (!RestoreBestWeights)
            return;
        ReleaseBest();
        _best = state.SnapshotWeights();
    }

    protected override void OnNotImproved(TrainingState state)
    {
        if (EpochsWithoutImprovement < Patience)
            return;
        string message = $"early stopping after epoch {state.Metrics!.Epoch}; best epoch {BestEpoch}.";
        state.Log(message);
        state.RequestStop(TrainingStopReason.EarlyStopped, message);
    }

    public override void OnFitEnd(TrainingState state)
    {
        if (_best is not null && state.StopReason != TrainingStopReason.Diverged)
            state.RestoreWeights(_best);
        ReleaseBest();
    }

    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        base.SaveState(state, checkpoint);
        if (_best is not null)
            checkpoint.SetWeights("best weights", _best);
    }

    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        base.LoadState(state, checkpoint);
        ReleaseBest();
        if (RestoreBestWeights && BestEpoch > 0)
            _best = checkpoint.GetWeights("best weights", BestEpoch);
    }

    private void ReleaseBest()
    {
        _best?.Dispose();
        _best = null;
    }
}
