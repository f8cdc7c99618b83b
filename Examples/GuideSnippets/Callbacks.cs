using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/callbacks.md</summary>
internal static class Callbacks
{
    // Stop as soon as the training accuracy of an epoch passes 99 %, and log the gradient norm every 100 steps.
    sealed class StopWhenFit : TrainingCallback
    {
        public override void OnEpochEnd(TrainingState state)
        {
            if (state.Metrics!.TrainAccuracy > 0.99)
                state.RequestStop($"training accuracy {state.Metrics.TrainAccuracy:P1} after epoch {state.Metrics.Epoch}");
        }

        public override void OnStep(TrainingState state)
        {
            if (state.GlobalStep % 100 == 0 && state.GradientNorm is double norm)
                state.Log($"step {state.GlobalStep}: gradient norm {norm:G4}");
        }
    }

    internal static ImageCnnTrainer.Options WithCallback()
    {
        var options = new ImageCnnTrainer.Options { GradientClipNorm = 5, Callbacks = { new StopWhenFit() }, /* ... */ };
        return options;
    }

    sealed class InverseSquareRoot() : LearningRateSchedule(warmupEpochs: 1)
    {
        protected override double Multiple(SchedulePosition at) => 1 / Math.Sqrt(1 + at.Progress);   // Progress: epochs done, fractional
    }

    internal static ImageCnnTrainer.Options WithCheckpoints()
    {
        var options = new ImageCnnTrainer.Options
        {
            CheckpointDirectory = "checkpoints/run1",   // a checkpoint at the end of every epoch
            ResumeFromCheckpoint = true,                // continue from the latest one, if there is one
            /* ... */
        };
        return options;
    }
}
