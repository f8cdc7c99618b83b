namespace MLExtensions;

/// <summary>
/// Watches one number in every epoch's metrics and tracks its best value: an epoch improves on the best when it is
/// better by more than <see cref="MinDelta"/>. The base of early stopping and reduce-on-plateau; subclass it to act
/// on improvements or on epochs without one. A NaN value never improves.
/// </summary>
public abstract class MetricMonitor : TrainingCallback
{
    private bool _hasBest;

    /// <param name="minDelta">How much better than the best a value must be to count as an improvement (≥ 0).</param>
    /// <param name="higherIsBetter">True for accuracies, false for losses.</param>
    protected MetricMonitor(double minDelta, bool higherIsBetter)
    {
        if (minDelta < 0 || double.IsNaN(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), $"MinDelta cannot be negative, got {minDelta}.");
        MinDelta = minDelta;
        HigherIsBetter = higherIsBetter;
    }

    /// <summary>An epoch improves only when it beats the best value by more than this.</summary>
    public double MinDelta { get; }

    /// <summary>True for metrics to maximise (accuracy), false for those to minimise (loss).</summary>
    public bool HigherIsBetter { get; }

    /// <summary>The best value so far (NaN before the first epoch).</summary>
    public double Best { get; private set; } = double.NaN;

    /// <summary>1-based epoch of the best value (0 before the first epoch).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement (or since <see cref="ResetWait"/>).</summary>
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>The watched number in an epoch's metrics.</summary>
    protected abstract double Read(EpochMetrics metrics);

    /// <summary>Called after an epoch that improved on the best; <see cref="Best"/> is already updated.</summary>
    protected virtual void OnImproved(TrainingState state) { }

    /// <summary>
    /// Called after an epoch that did not improve; <see cref="EpochsWithoutImprovement"/> already counts it.
    /// </summary>
    protected virtual void OnNotImproved(TrainingState state) { }

    /// <summary>True when <paramref name="value"/> would improve on the best so far.</summary>
    public bool IsImprovement(double value)
    {
        if (double.IsNaN(value))
            return false;
        if (!_hasBest)
            return true;
        return HigherIsBetter ? value > Best + MinDelta : value < Best - MinDelta;
    }

    /// <summary>Starts counting epochs without improvement again (after acting on a plateau).</summary>
    protected void ResetWait() => EpochsWithoutImprovement = 0;

    /// <inheritdoc />
    public override void OnFitBegin(TrainingState state)
    {
        (_hasBest, Best, BestEpoch, EpochsWithoutImprovement) = (false, double.NaN, 0, 0);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingState state)
    {
        var metrics = state.Metrics!;
        double value = Read(metrics);
        if (IsImprovement(value))
        {
            (_hasBest, Best, BestEpoch, EpochsWithoutImprovement) = (true, value, metrics.Epoch, 0);
            OnImproved(state);
        }
        else
        {
            EpochsWithoutImprovement++;
            OnNotImproved(state);
        }
    }

    /// <inheritdoc />
    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        checkpoint.Set("has best", _hasBest);
        checkpoint.Set("best", Best);
        checkpoint.Set("best epoch", BestEpoch);
        checkpoint.Set("epochs without improvement", EpochsWithoutImprovement);
    }

    /// <inheritdoc />
    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        _hasBest = checkpoint.GetBoolean("has best");
        Best = checkpoint.GetDouble("best");
        BestEpoch = checkpoint.GetInt32("best epoch");
        EpochsWithoutImprovement = checkpoint.GetInt32("epochs without improvement");
    }
}
