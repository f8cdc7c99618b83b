using MLExtensions.Training;

namespace MLExtensions.Cnn;

/// <summary>
/// Writes a checkpoint into <c>Options.CheckpointDirectory</c> at the end of every epoch, after every other callback
/// has finished it. A run that starts over (not resuming) replaces the checkpoints of earlier runs there when it
/// writes its first one.
/// </summary>
internal sealed class Checkpointing(string directory, CnnCheckpoints checkpoints, bool resuming) : TrainingCallback
{
    private bool _earlierRunsReplaced;

    public override int Order => CallbackOrder.Checkpoint;

    public override void OnFitBegin(TrainingState state)
    {
        _earlierRunsReplaced = false;
        if (!resuming && CheckpointFile.Latest(directory) is { } earlier)
            state.Warn($"'{directory}' holds checkpoints of an earlier run (latest '{Path.GetFileName(earlier)}'); this run starts over and " +
                       "replaces them after its first epoch. Set ResumeFromCheckpoint = true to continue that run instead.");
    }

    public override void OnEpochEnd(TrainingState state)
    {
        if (!resuming && !_earlierRunsReplaced)
        {
            CheckpointFile.RemoveAllBut(directory, keep: 0);
            _earlierRunsReplaced = true;
        }
        var sections = checkpoints.Capture();
        try
        {
            string path = CheckpointFile.Write(directory, state.Epoch + 1, sections);
            state.Log($"checkpoint written: '{path}'.");
        }
        finally
        {
            foreach (var (_, section) in sections)
                section.Dispose();
        }
    }
}
