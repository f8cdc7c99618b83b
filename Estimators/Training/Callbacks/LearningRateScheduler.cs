namespace MLExtensions.Training;

/// <summary>Sets every step's learning rate from the schedule and the base rate.</summary>
internal sealed class LearningRateScheduler(LearningRateSchedule schedule, double baseRate) : TrainingCallback
{
    public override int Order => CallbackOrder.Schedule;

    public override void OnBatchBegin(TrainingState state)
        => state.LearningRate = schedule.Rate(baseRate, state.Epoch, state.Step, state.StepsPerEpoch, state.Epochs);
}
