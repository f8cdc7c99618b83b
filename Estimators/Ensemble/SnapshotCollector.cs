using static TorchSharp.torch;

namespace MLExtensions.Ensemble;

/// <summary>Keeps a CPU copy of the weights at the end of every <paramref name="cycleEpochs"/>-th epoch (snapshot ensembles).</summary>
internal sealed class SnapshotCollector(int cycleEpochs) : TrainingCallback
{
    private readonly List<WeightSnapshot> _snapshots = [];

    public IReadOnlyList<WeightSnapshot> Snapshots => _snapshots;

    public override int Order => CallbackOrder.Snapshots;

    public override void OnFitBegin(TrainingState state) => Release();

    public override void OnEpochEnd(TrainingState state)
    {
        if ((state.Epoch + 1) % cycleEpochs == 0)
            _snapshots.Add(state.SnapshotWeights(CPU));
    }

    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        checkpoint.Set("count", _snapshots.Count);
        for (int i = 0; i < _snapshots.Count; i++)
            checkpoint.SetWeights($"snapshot {i}", _snapshots[i]);
    }

    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        Release();
        int count = checkpoint.GetInt32("count");
        for (int i = 0; i < count; i++)
            _snapshots.Add(checkpoint.GetWeights($"snapshot {i}", (i + 1) * cycleEpochs, CPU));
    }

    internal void Release()
    {
        foreach (var snapshot in _snapshots)
            snapshot.Dispose();
        _snapshots.Clear();
    }
}
