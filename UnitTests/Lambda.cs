namespace MLExtensions.UnitTests;

/// <summary>A training callback made of delegates, for tests that need one event or two.</summary>
internal sealed class Lambda(int order = CallbackOrder.User, Action<TrainingState>? fitBegin = null, Action<TrainingState>? batchBegin = null,
    Action<TrainingState>? loss = null, Action<TrainingState>? backward = null, Action<TrainingState>? step = null,
    Action<TrainingState>? batchEnd = null, Action<TrainingState>? epochEnd = null) : TrainingCallback
{
    public override int Order => order;
    public override void OnFitBegin(TrainingState s) => fitBegin?.Invoke(s);
    public override void OnBatchBegin(TrainingState s) => batchBegin?.Invoke(s);
    public override void OnLoss(TrainingState s) => loss?.Invoke(s);
    public override void OnBackward(TrainingState s) => backward?.Invoke(s);
    public override void OnStep(TrainingState s) => step?.Invoke(s);
    public override void OnBatchEnd(TrainingState s) => batchEnd?.Invoke(s);
    public override void OnEpochEnd(TrainingState s) => epochEnd?.Invoke(s);
}
