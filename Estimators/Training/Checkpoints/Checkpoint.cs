namespace MLExtensions.Training;

/// <summary>A checkpoint read back from its file: its named sections.</summary>
internal sealed class Checkpoint(string path, Dictionary<string, CheckpointState> sections) : IDisposable
{
    public string Path { get; } = path;

    public IReadOnlyDictionary<string, CheckpointState> Sections => sections;

    /// <summary>The section <paramref name="name"/>; a checkpoint without it was not written by this kind of training.</summary>
    public CheckpointState Section(string name)
        => sections.TryGetValue(name, out var section)
            ? section
            : throw new InvalidDataException($"The checkpoint '{Path}' has no '{name}' section; it was not written by an MLExtensions CNN trainer.");

    public void Dispose()
    {
        foreach (var section in sections.Values)
            section.Dispose();
    }
}
