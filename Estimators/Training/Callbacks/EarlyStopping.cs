namespace MLExtensions;

/// <summary>
/// Stops training when the validation metric has not improved by more than <see cref="MetricMonitor.MinDelta"/> for
/// <see cref="Patience"/> epochs, and (by default) restores the weights of the best epoch at the end. Needs
/// validation data. Set it as <c>Options.EarlyStopping</c> (or add it to <c>Options.Callbacks</c>).
/// </summary>
public sealed class EarlyStopping : MetricMonitor
{
    /// <summary>The validation metric <see cref="EarlyStopping"/> watches.</summary>
    public enum Metric
    {
        /// <summary>The mean cross-entropy on the validation data (lower is better).</summary>
        ValidationLoss,
        /// <summary>The fraction of validation images predicted correctly (higher is better).</summary>
        ValidationAccuracy,
    }

    private WeightSnapshot? _best;

    /// <summary>
    /// Stops training after <paramref name="patience"/> epochs without improvement of <paramref name="monitor"/>.
    /// </summary>
    /// <param name="patience">Epochs without improvement before stopping, ≥ 1 (default 3).</param>
    /// <param name="minDelta">An epoch improves only when it beats the best by more than this, ≥ 0 (default 0).</param>
    /// <param name="monitor">The validation metric watched (default the validation loss).</param>
    /// <param name="restoreBestWeights">End with the best epoch's weights rather than the last (default true).</param>
    public EarlyStopping(int patience = 3, double minDelta = 0, Metric monitor = Metric.ValidationLoss, bool restoreBestWeights = true)
        : base(minDelta, higherIsBetter: monitor == Metric.ValidationAccuracy)
    {
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), $"Patience must be at least 1, got {patience}.");
        Patience = patience;
        Monitor = monitor;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>The validation metric watched.</summary>
    public Metric Monitor { get; }

    /// <summary>Whether the run ends with the best epoch's weights.</summary>
    public bool RestoreBestWeights { get; }

    /// <inheritdoc />
    public override int Order => CallbackOrder.EarlyStopping;

    /// <inheritdoc />
    protected override double Read(EpochMetrics metrics)
        => (Monitor == Metric.ValidationLoss ? metrics.ValidationLoss : metrics.ValidationAccuracy)
           ?? throw new InvalidOperationException($"EarlyStopping monitors the {Monitor}, but epoch {metrics.Epoch} has no validation metrics.");

    /// <inheritdoc />
    public override void OnFitBegin(TrainingState state)
    {
        if (!state.HasValidation)
            throw new InvalidOperationException("EarlyStopping monitors validation data: set ValidationSet or ValidationFraction.");
        base.OnFitBegin(state);
        ReleaseBest();
    }

    /// <inheritdoc />
    protected override void OnImproved(TrainingState state)
    {
        if (!RestoreBestWeights)
            return;
        ReleaseBest();
        _best = state.SnapshotWeights();
    }

    /// <inheritdoc />
    protected override void OnNotImproved(TrainingState state)
    {
        if (EpochsWithoutImprovement < Patience)
            return;
        string message = $"early stopping after epoch {state.Metrics!.Epoch}; best epoch {BestEpoch}.";
        state.Log(message);
        state.RequestStop(TrainingStopReason.EarlyStopped, message);
    }

    /// <inheritdoc />
    public override void OnFitEnd(TrainingState state)
    {
        if (_best is not null && state.StopReason != TrainingStopReason.Diverged)
            state.RestoreWeights(_best);
        ReleaseBest();
    }

    /// <inheritdoc />
    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        base.SaveState(state, checkpoint);
        if (_best is not null)
            checkpoint.SetWeights("best weights", _best);
    }

    /// <inheritdoc />
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
