namespace MLExtensions.Training;

/// <summary>A training run's callbacks in the order they run: ascending <see cref="TrainingCallback.Order"/>, ties in the order given.</summary>
internal sealed class CallbackList
{
    private readonly TrainingCallback[] _callbacks;

    internal CallbackList(IEnumerable<TrainingCallback> callbacks) => _callbacks = callbacks.OrderBy(c => c.Order).ToArray();

    public IReadOnlyList<TrainingCallback> Ordered => _callbacks;

    /// <summary>Each callback with a name unique in this list (its type name, then "#2", "#3" for repeats), as checkpoints store them.</summary>
    internal IEnumerable<(string Key, TrainingCallback Callback)> Keyed()
    {
        var seen = new Dictionary<string, int>();
        foreach (var callback in _callbacks)
        {
            string name = callback.GetType().Name;
            int count = seen[name] = seen.GetValueOrDefault(name) + 1;
            yield return (count == 1 ? name : $"{name}#{count}", callback);
        }
    }

    internal void FitBegin(TrainingState s) { foreach (var c in _callbacks) c.OnFitBegin(s); }
    internal void EpochBegin(TrainingState s) { foreach (var c in _callbacks) c.OnEpochBegin(s); }
    internal void BatchBegin(TrainingState s) { foreach (var c in _callbacks) c.OnBatchBegin(s); }
    internal void Loss(TrainingState s) { foreach (var c in _callbacks) c.OnLoss(s); }
    internal void Backward(TrainingState s) { foreach (var c in _callbacks) c.OnBackward(s); }
    internal void Step(TrainingState s) { foreach (var c in _callbacks) c.OnStep(s); }
    internal void BatchEnd(TrainingState s) { foreach (var c in _callbacks) c.OnBatchEnd(s); }
    internal void ValidationBegin(TrainingState s) { foreach (var c in _callbacks) c.OnValidationBegin(s); }
    internal void ValidationEnd(TrainingState s) { foreach (var c in _callbacks) c.OnValidationEnd(s); }
    internal void EpochEnd(TrainingState s) { foreach (var c in _callbacks) c.OnEpochEnd(s); }
    internal void FitEnd(TrainingState s) { foreach (var c in _callbacks) c.OnFitEnd(s); }
}
