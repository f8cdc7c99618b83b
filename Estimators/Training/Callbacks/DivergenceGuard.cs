namespace MLExtensions.Training;

/// <summary>
/// Stops training before the optimizer step when the loss is NaN or infinite, and at the end puts back the weights
/// of the last epoch that finished (the initial weights if none did).
/// </summary>
internal sealed class DivergenceGuard : TrainingCallback
{
    private WeightSnapshot? _lastGood;

    public override int Order => CallbackOrder.Divergence;

    public override void OnFitBegin(TrainingState state) => Release();

    // At an epoch's start the weights are those of the end of the last one.
    public override void OnEpochBegin(TrainingState state)
    {
        Release();
        _lastGood = state.SnapshotWeights();
    }

    public override void OnLoss(TrainingState state)
    {
        double loss = state.LossValue;
        if (double.IsFinite(loss))
            return;
        state.RequestStop(TrainingStopReason.Diverged,
            $"{state.Trainer}: the training loss became {loss} at epoch {state.Epoch + 1}, step {state.Step + 1} (learning rate {state.LearningRate:G4}). " +
            "Likely causes: a learning rate too high for this optimizer, or unnormalised/invalid inputs. " +
            $"The model keeps the weights from the end of epoch {state.History.Count} (epoch 0: the initial weights).");
    }

    public override void OnFitEnd(TrainingState state)
    {
        if (state.StopReason == TrainingStopReason.Diverged && _lastGood is not null)
            state.RestoreWeights(_lastGood);
        Release();
    }

    private void Release()
    {
        _lastGood?.Dispose();
        _lastGood = null;
    }
}
