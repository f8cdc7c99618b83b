using MLExtensions.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Everything a CNN training run needs to continue exactly where it was: which run it is, the epoch, the history,
/// the network's weights, the optimizer's state, the shuffle and augmentation draws, the random generator behind
/// dropout, and every callback's own state. <see cref="Capture"/> takes it at an epoch's end; <see cref="Restore"/>
/// puts it back into a run that has just begun.
/// </summary>
internal sealed class CnnCheckpoints(TrainingIdentity identity, TrainingState state, CnnTrainingData data)
{
    private const string CallbackPrefix = "callback: ";

    /// <summary>Set once the callback list exists (the checkpointing callback is in it).</summary>
    internal CallbackList Callbacks { get; set; } = null!;

    /// <summary>The checkpoint's sections; the caller writes and then disposes them.</summary>
    internal IReadOnlyList<(string Name, CheckpointState State)> Capture()
    {
        var sections = new List<(string, CheckpointState)>
        {
            Section("run", identity.WriteTo),
            Section("loop", WriteLoop),
            Section("network", s => s.SetTensors("weights", state.Network.state_dict())),
            Section("optimizer", s => s.Set("state", OptimizerBytes())),
            Section("data", data.SaveState),
            Section("random", s => { using var rng = get_rng_state(); s.Set("cpu", rng); }),
        };
        foreach (var (key, callback) in Callbacks.Keyed())
        {
            var (name, section) = Section(CallbackPrefix + key, s => callback.SaveState(state, s));
            if (section.IsEmpty)
                section.Dispose();
            else
                sections.Add((name, section));
        }
        return sections;
    }

    private (string Name, CheckpointState State) Section(string name, Action<CheckpointState> write)
    {
        var section = new CheckpointState(name, state.Device);
        write(section);
        return (name, section);
    }

    private void WriteLoop(CheckpointState loop)
    {
        loop.Set("next epoch", state.Epoch + 1);
        loop.Set("global step", state.GlobalStep);
        loop.Set("history", EpochRecords.Flatten(state.History));
        loop.Set("stop reason", (int)state.StopReason);
        loop.Set("stop message", state.StopMessage ?? "");
    }

    private byte[] OptimizerBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            Optimizer.save_state_dict(writer);
        return buffer.ToArray();
    }

    private OptimizerHelper Optimizer => state.Optimizer as OptimizerHelper
        ?? throw new NotSupportedException($"A {state.Optimizer.GetType().Name} optimizer's state cannot be checkpointed.");

    /// <summary>Continues from <paramref name="checkpoint"/>; call after the callbacks' OnFitBegin.</summary>
    internal void Restore(Checkpoint checkpoint)
    {
        var differences = identity.DifferencesFrom(checkpoint.Section("run"));
        if (differences.Count > 0)
            throw new InvalidOperationException(
                $"Cannot resume from the checkpoint '{checkpoint.Path}': it was written by a different training run. {string.Join("; ", differences)}. " +
                "Resume with the same settings, point CheckpointDirectory at another directory, or set ResumeFromCheckpoint = false to start over.");
        try
        {
            RestoreLoop(checkpoint.Section("loop"));
            RestoreWeights(checkpoint.Section("network"));
            RestoreCallbacks(checkpoint);
            RestoreOptimizer(checkpoint.Section("optimizer"));
            data.LoadState(checkpoint.Section("data"), state.Epoch);
            using (var rng = checkpoint.Section("random").GetTensor("cpu"))
            using (var onCpu = rng.cpu())
                set_rng_state(onCpu);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Cannot resume from the checkpoint '{checkpoint.Path}': {e.Message}", e);
        }
        state.Log($"resumed from '{checkpoint.Path}' after epoch {state.Epoch} of {state.Epochs}.");
    }

    private void RestoreLoop(CheckpointState loop)
    {
        state.Resume(loop.GetInt32("next epoch"), loop.GetInt64("global step"), EpochRecords.Unflatten(loop.GetDoubles("history")));
        var reason = (TrainingStopReason)loop.GetInt32("stop reason");
        if (reason != TrainingStopReason.Completed)
            state.RequestStop(reason, loop.GetString("stop message"));
    }

    private void RestoreWeights(CheckpointState network)
    {
        var saved = network.PeekTensors("weights");
        var own = state.Network.state_dict();
        if (own.Keys.FirstOrDefault(name => !saved.ContainsKey(name)) is { } missing)
            throw new InvalidDataException($"its network has no '{missing}'.");
        using (no_grad())
            foreach (var (name, tensor) in own)
                tensor.copy_(saved[name]);
    }

    private void RestoreCallbacks(Checkpoint checkpoint)
    {
        var keyed = Callbacks.Keyed().ToArray();
        var known = keyed.Select(k => CallbackPrefix + k.Key).ToHashSet();
        if (checkpoint.Sections.Keys.FirstOrDefault(name => name.StartsWith(CallbackPrefix, StringComparison.Ordinal) && !known.Contains(name)) is { } orphan)
            throw new InvalidDataException($"it holds the state of {orphan[CallbackPrefix.Length..]}, a callback this run does not have. Train with the same callbacks to resume.");
        foreach (var (key, callback) in keyed)
        {
            var section = checkpoint.Sections.GetValueOrDefault(CallbackPrefix + key) ?? new CheckpointState($"callback {key}", state.Device);
            callback.LoadState(state, section);
        }
    }

    private void RestoreOptimizer(CheckpointState optimizer)
    {
        using var reader = new BinaryReader(new MemoryStream(optimizer.GetBytes("state")));
        try
        {
            Optimizer.load_state_dict(reader);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"its optimizer state does not fit this run's optimizer ({e.Message}).", e);
        }
    }
}
