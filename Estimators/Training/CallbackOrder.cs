namespace MLExtensions;

/// <summary>
/// Where the built-in callbacks run among a training run's callbacks (<see cref="TrainingCallback.Order"/>; lower
/// runs first on every event). User callbacks run at <see cref="User"/> unless they say otherwise.
/// </summary>
public static class CallbackOrder
{
    /// <summary>Stops between batches once the MLContext is asked to cancel.</summary>
    public const int Cancellation = -1000;

    /// <summary>Creates the optimizer and adds the parameters that start training (fine-tuning plans).</summary>
    public const int Unfreezing = -900;

    /// <summary>Sets <see cref="TrainingState.LearningRate"/> from <c>Options.Schedule</c>.</summary>
    public const int Schedule = -800;

    /// <summary>Reduce-on-plateau multiplies the scheduled rate.</summary>
    public const int Plateau = -700;

    /// <summary>Penalties added to the loss (L1).</summary>
    public const int Penalties = -600;

    /// <summary>Progress, metrics log and <c>Options.OnProgress</c> / <c>Options.OnEpochEnd</c>.</summary>
    public const int Reporting = -100;

    /// <summary>Default for user callbacks: after the rate and the loss are set, before they are checked and used.</summary>
    public const int User = 0;

    /// <summary>Stops on a NaN or infinite loss (the loss as the callbacks before it left it) and restores the last good weights.</summary>
    public const int Divergence = 100;

    /// <summary>Clips the gradient norm before the optimizer step.</summary>
    public const int GradientClipping = 200;

    /// <summary>Early stopping: watches the epoch's metrics and restores the best weights at the end.</summary>
    public const int EarlyStopping = 300;

    /// <summary>Weight averaging: updates the average after each step, validates it, puts it into the fitted model.</summary>
    public const int WeightAveraging = 400;

    /// <summary>Keeps weights at chosen epochs (snapshot ensembles).</summary>
    public const int Snapshots = 500;

    /// <summary>Writes the checkpoint last, once every other callback has finished the epoch.</summary>
    public const int Checkpoint = int.MaxValue;
}
