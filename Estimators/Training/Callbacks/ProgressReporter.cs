namespace MLExtensions.Training;

/// <summary>Calls <c>Options.OnProgress</c> after every step with the epoch's running loss and accuracy.</summary>
internal sealed class ProgressReporter(Action<TrainingProgress> report) : TrainingCallback
{
    public override int Order => CallbackOrder.Reporting;

    public override void OnBatchEnd(TrainingState state)
        => report(new TrainingProgress(state.Epoch + 1, state.Epochs, state.Step + 1, state.StepsPerEpoch, state.TrainLossSoFar, state.TrainAccuracySoFar, state.LearningRate));
}
