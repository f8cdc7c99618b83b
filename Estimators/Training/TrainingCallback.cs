namespace MLExtensions;

/// <summary>
/// Something that acts on a training run's events: look at or change the <see cref="TrainingState"/>, keep its own
/// state, stop training. Override the events you need; add the callback to <c>Options.Callbacks</c>.
/// </summary>
/// <remarks>
/// <para>Every epoch runs: <see cref="OnEpochBegin"/>; for each batch <see cref="OnBatchBegin"/> (set the learning
/// rate here), the forward pass and the objective, <see cref="OnLoss"/> (replace the loss here), the backward pass,
/// <see cref="OnBackward"/> (gradients are ready), the optimizer step, <see cref="OnStep"/>, <see cref="OnBatchEnd"/>;
/// then <see cref="OnValidationBegin"/>, the validation pass (when there is validation data),
/// <see cref="OnValidationEnd"/> and <see cref="OnEpochEnd"/>. <see cref="OnFitBegin"/> and <see cref="OnFitEnd"/>
/// bracket the run.</para>
/// <para>On every event the callbacks run in ascending <see cref="Order"/> (see <see cref="CallbackOrder"/> for the
/// built-in ones), callbacks of equal order in the order they were added. A callback instance serves one training
/// run at a time: reset what it keeps in <see cref="OnFitBegin"/>.</para>
/// </remarks>
public abstract class TrainingCallback
{
    /// <summary>
    /// Position among the callbacks on every event; lower runs first. User callbacks default to
    /// <see cref="CallbackOrder.User"/>.
    /// </summary>
    public virtual int Order => CallbackOrder.User;

    /// <summary>
    /// Before the first epoch, and before a checkpoint is restored (then <see cref="LoadState"/> follows).
    /// </summary>
    public virtual void OnFitBegin(TrainingState state) { }

    /// <summary>Before the epoch's first batch; the training images of the epoch are already shuffled.</summary>
    public virtual void OnEpochBegin(TrainingState state) { }

    /// <summary>
    /// Before the batch is read; the loop gives the optimizer <see cref="TrainingState.LearningRate"/> right after.
    /// </summary>
    public virtual void OnBatchBegin(TrainingState state) { }

    /// <summary>
    /// After the forward pass and the objective: <see cref="TrainingState.Logits"/> and
    /// <see cref="TrainingState.Loss"/> are set, and the loss may be replaced.
    /// </summary>
    public virtual void OnLoss(TrainingState state) { }

    /// <summary>
    /// After the backward pass, before the optimizer step: the gradients of
    /// <see cref="TrainingState.TrainableParameters"/> are ready.
    /// </summary>
    public virtual void OnBackward(TrainingState state) { }

    /// <summary>After the optimizer step: the weights have changed.</summary>
    public virtual void OnStep(TrainingState state) { }

    /// <summary>
    /// After the batch: <see cref="TrainingState.TrainLossSoFar"/> and <see cref="TrainingState.TrainAccuracySoFar"/>
    /// include it.
    /// </summary>
    public virtual void OnBatchEnd(TrainingState state) { }

    /// <summary>After the epoch's last batch, before the validation pass; fires also without validation data.</summary>
    public virtual void OnValidationBegin(TrainingState state) { }

    /// <summary>After the validation pass: <see cref="TrainingState.Metrics"/> holds the epoch's metrics.</summary>
    public virtual void OnValidationEnd(TrainingState state) { }

    /// <summary>After the epoch: its metrics are the last entry of <see cref="TrainingState.History"/>.</summary>
    public virtual void OnEpochEnd(TrainingState state) { }

    /// <summary>After the last epoch, or once a stop was requested; restore weights here.</summary>
    public virtual void OnFitEnd(TrainingState state) { }

    /// <summary>
    /// Writes what this callback must remember for a resumed run to continue exactly (called when a checkpoint is
    /// written at the end of an epoch). Stateless callbacks write nothing.
    /// </summary>
    public virtual void SaveState(TrainingState state, CheckpointState checkpoint) { }

    /// <summary>
    /// Reads back what <see cref="SaveState"/> wrote when training resumes from a checkpoint: after
    /// <see cref="OnFitBegin"/>, once the network's weights, the epoch and the history are restored, before the
    /// optimizer's state is.
    /// </summary>
    public virtual void LoadState(TrainingState state, CheckpointState checkpoint) { }

    /// <inheritdoc />
    public override string ToString() => GetType().Name;
}
