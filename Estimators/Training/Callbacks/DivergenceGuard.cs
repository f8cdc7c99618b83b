using static TorchSharp.torch;

namespace MLExtensions.Training;

/// <summary>
/// Stops training when the loss is NaN or infinite, and at the end puts back the weights of the last epoch that
/// finished (the initial weights if none did). On the CPU it checks every step, before the optimizer step; on CUDA
/// it counts bad losses on the device and looks every few steps (<see cref="TrainingState.ReadsDue"/>), so the
/// steps in between may have used the bad loss: the restored weights are the same either way.
/// </summary>
internal sealed class DivergenceGuard : TrainingCallback
{
    private WeightSnapshot? _lastGood;
    private Tensor? _badLosses;
    private int _firstUncheckedStep;

    public override int Order => CallbackOrder.Divergence;

    public override void OnFitBegin(TrainingState state) => Release();

    // At an epoch's start the weights are those of the end of the last one.
    public override void OnEpochBegin(TrainingState state)
    {
        Release();
        _lastGood = state.SnapshotWeights();
        _firstUncheckedStep = 0;
    }

    public override void OnLoss(TrainingState state)
    {
        if (state.Reads.EverySteps == 1)
            CheckThisStep(state);
        else
            CountAndCheckWhenDue(state);
    }

    private static void CheckThisStep(TrainingState state)
    {
        double loss = state.LossValue;
        if (!double.IsFinite(loss))
            Stop(state, $"the training loss became {loss} at epoch {state.Epoch + 1}, step {state.Step + 1}");
    }

    private void CountAndCheckWhenDue(TrainingState state)
    {
        using (no_grad())
        {
            _badLosses ??= zeros(1, ScalarType.Int64, state.Device).DetachFromDisposeScope();
            _badLosses.add_(state.Loss!.detach().isfinite().logical_not().sum());
        }
        if (!state.ReadsDue)
            return;
        long bad = _badLosses.item<long>();
        if (bad > 0)
            Stop(state, $"the training loss became NaN or infinite at epoch {state.Epoch + 1}, between steps {_firstUncheckedStep + 1} and {state.Step + 1}");
        _firstUncheckedStep = state.Step + 1;
    }

    private static void Stop(TrainingState state, string what)
        => state.RequestStop(TrainingStopReason.Diverged,
            $"{state.Trainer}: {what} (learning rate {state.LearningRate:G4}). " +
            "Likely causes: a learning rate too high for this optimizer, or unnormalised/invalid inputs. " +
            $"The model keeps the weights from the end of epoch {state.History.Count} (epoch 0: the initial weights).");

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
        _badLosses?.Dispose();
        _badLosses = null;
    }
}
