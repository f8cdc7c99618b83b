using MLExtensions.Training;

namespace MLExtensions.Cnn;

/// <summary>
/// Writes a checkpoint into <c>Options.CheckpointDirectory</c> at the end of every epoch, after every other callback
/// has finished it. A run that starts over (not resuming) replaces the checkpoints of earlier runs there when it
/// writes its first one. A checkpoint that cannot be written (disk full, directory gone) is a warning and a line in
/// the history's <c>FailedCheckpoints</c>, not the end of the run.
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The epochs trained so far are worth more than the checkpoint: keep training, and say so.
            string failure = $"epoch {state.Epoch + 1}: the checkpoint could not be written to '{directory}' ({e.Message})";
            state.NoteFailedCheckpoint(failure);
            state.Warn($"{failure}; training goes on, and the model will be returned, but a crash now could not resume from this epoch.");
        }
        finally
        {
            foreach (var (_, section) in sections)
                section.Dispose();
        }
    }
}
