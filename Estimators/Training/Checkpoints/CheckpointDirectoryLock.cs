namespace MLExtensions.Training;

/// <summary>
/// Held by a Fit that writes checkpoints, for as long as it trains: taking it proves the directory can be written
/// (before any training, so a wrong directory costs nothing) and keeps a second Fit out of it (two runs writing the
/// same epoch files would overwrite each other's). It is an exclusive lock on <c>.lock</c> in the directory, released
/// when the Fit ends or its process dies.
/// </summary>
internal sealed class CheckpointDirectoryLock : IDisposable
{
    internal const string FileName = ".lock";
    private readonly FileStream _file;

    private CheckpointDirectoryLock(FileStream file) => _file = file;

    /// <exception cref="IOException">The directory cannot be created or written, or another Fit holds it; the message names it.</exception>
    internal static CheckpointDirectoryLock Acquire(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(directory, "created", e);
        }
        string path = Path.Combine(directory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new IOException($"CheckpointDirectory '{directory}' is in use by another training run (it holds '{path}'); " +
                                  "give each Fit its own directory, or wait for the other to finish.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(directory, "written", e);
        }
        try
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n"));
            file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            file.Dispose();
            throw Unwritable(directory, "written", e);
        }
        return new CheckpointDirectoryLock(file);
    }

    private static IOException Unwritable(string directory, string what, Exception cause)
        => new($"CheckpointDirectory '{directory}' cannot be {what} ({cause.Message}); no training was done. Point it at a writable directory.", cause);

    public void Dispose() => _file.Dispose();
}
