namespace MLExtensions.Training;

/// <summary>
/// Calls <c>Options.OnProgress</c> with the epoch's running loss and accuracy after every step on the CPU, and on
/// CUDA after every few steps and the epoch's last (<see cref="TrainingState.ReadsDue"/>), because reading them
/// makes the host wait for the GPU.
/// </summary>
internal sealed class ProgressReporter(Action<TrainingProgress> report) : TrainingCallback
{
    public override int Order => CallbackOrder.Reporting;

    public override void OnBatchEnd(TrainingState state)
    {
        if (state.ReadsDue)
            Report(state);
    }

    private void Report(TrainingState state)
        => report(new TrainingProgress(state.Epoch + 1, state.Epochs, state.Step + 1, state.StepsPerEpoch, state.TrainLossSoFar, state.TrainAccuracySoFar, state.LearningRate));
}
