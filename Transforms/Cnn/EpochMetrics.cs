namespace MLExtensions;

/// <summary>What one training epoch measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch (data loss plus penalties, as optimised).</param>
/// <param name="TrainAccuracy">Fraction of training images classified correctly during the epoch (with dropout and augmentation active).</param>
/// <param name="ValidationLoss">Mean cross-entropy on the validation set in evaluation mode; null without validation data.</param>
/// <param name="ValidationAccuracy">Validation accuracy; null without validation data.</param>
/// <param name="LearningRate">Learning rate at the epoch's first step.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took, validation included.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss,
    double? ValidationAccuracy, double LearningRate, double Seconds)
{
    /// <inheritdoc />
    public override string ToString()
        => $"epoch {Epoch}: loss {TrainLoss:F4}, acc {TrainAccuracy:P2}" +
           (ValidationLoss is double vl ? $", val loss {vl:F4}, val acc {ValidationAccuracy:P2}" : "") +
           $", lr {LearningRate:G4}, {Seconds:F1}s";
}

/// <summary>Why training ended.</summary>
public enum TrainingStopReason
{
    /// <summary>All requested epochs ran.</summary>
    Completed,
    /// <summary>The monitored validation metric stopped improving for <c>Patience</c> epochs.</summary>
    EarlyStopped,
    /// <summary>The MLContext was asked to cancel; training stopped between batches.</summary>
    Cancelled,
    /// <summary>The loss became NaN or infinite.</summary>
    Diverged,
    /// <summary>
    /// A training callback asked to stop (<c>TrainingState.RequestStop</c>); <see cref="TrainingHistory.StopMessage"/>
    /// says why.
    /// </summary>
    Requested,
}

/// <summary>The learning curves of one training run.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(IReadOnlyList<EpochMetrics> epochs, TrainingStopReason stopReason, int bestEpoch, long skippedRows, string? stopMessage = null)
    {
        Epochs = epochs;
        StopReason = stopReason;
        BestEpoch = bestEpoch;
        SkippedRows = skippedRows;
        StopMessage = stopMessage;
    }

    /// <summary>One entry per epoch trained, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; }

    /// <summary>
    /// Why training ended: all epochs done, early stopping, cancellation, divergence, or a callback's request.
    /// </summary>
    public TrainingStopReason StopReason { get; }

    /// <summary>
    /// 1-based epoch whose weights the model holds (the best one when early stopping restores it); 0 if none finished.
    /// </summary>
    public int BestEpoch { get; }

    /// <summary>Training rows left out because their label was missing (key value 0).</summary>
    public long SkippedRows { get; }

    /// <summary>
    /// Why training stopped before its last epoch, in words (who asked and why); null when it completed.
    /// </summary>
    public string? StopMessage { get; }

    /// <summary>
    /// The checkpoints that could not be written (epoch, directory and reason), in order; empty when every one was,
    /// or when no checkpoint directory was set. Training went on past each.
    /// </summary>
    public IReadOnlyList<string> FailedCheckpoints { get; internal init; } = [];

    internal void Write(BinaryWriter writer)
    {
        writer.Write((int)StopReason);
        writer.Write(BestEpoch);
        writer.Write(SkippedRows);
        writer.Write(Epochs.Count);
        foreach (var e in Epochs)
        {
            writer.Write(e.Epoch);
            writer.Write(e.TrainLoss);
            writer.Write(e.TrainAccuracy);
            writer.Write(e.ValidationLoss ?? double.NaN);
            writer.Write(e.ValidationAccuracy ?? double.NaN);
            writer.Write(e.LearningRate);
            writer.Write(e.Seconds);
        }
        writer.Write(StopMessage ?? "");
        writer.Write(FailedCheckpoints.Count);
        foreach (var failure in FailedCheckpoints)
            writer.Write(failure);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    /// <param name="reader">Positioned at the history.</param>
    /// <param name="hasStopMessage">False for models saved before the stop message was kept.</param>
    /// <param name="hasFailedCheckpoints">False for models saved before failed checkpoints were kept.</param>
    internal static TrainingHistory Read(BinaryReader reader, bool hasStopMessage, bool hasFailedCheckpoints)
    {
        var reason = (TrainingStopReason)reader.ReadInt32();
        if (!Enum.IsDefined(reason))
            throw new InvalidDataException($"The model holds an unknown training stop reason {(int)reason}.");
        int best = reader.ReadInt32();
        long skipped = reader.ReadInt64();
        var epochs = new EpochMetrics[reader.ReadInt32()];
        for (int i = 0; i < epochs.Length; i++)
        {
            int epoch = reader.ReadInt32();
            double loss = reader.ReadDouble(), accuracy = reader.ReadDouble(), valLoss = reader.ReadDouble(), valAccuracy = reader.ReadDouble();
            epochs[i] = new EpochMetrics(epoch, loss, accuracy, double.IsNaN(valLoss) ? null : valLoss,
                double.IsNaN(valAccuracy) ? null : valAccuracy, reader.ReadDouble(), reader.ReadDouble());
        }
        string? message = hasStopMessage && reader.ReadString() is { Length: > 0 } text ? text : null;
        int failures = hasFailedCheckpoints ? reader.ReadInt32() : 0;
        if (failures is < 0 or > 100_000)
            throw new InvalidDataException($"The model's training history lists {failures} failed checkpoints; it is damaged.");
        var failed = new string[failures];
        for (int i = 0; i < failed.Length; i++)
            failed[i] = reader.ReadString();
        return new TrainingHistory(epochs, reason, best, skipped, message) { FailedCheckpoints = failed };
    }
}
