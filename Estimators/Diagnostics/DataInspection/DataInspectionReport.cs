namespace MLExtensions;

/// <summary>
/// An image at an extreme of the data: its row, class, the measured value, and its file when it has one.
/// </summary>
public sealed record ImageExtreme(long Row, string Class, double Value, string? Path);

/// <summary>
/// An inspected image that looks like one in the compared data: exact (same pixels) or near (thumbnails within a small
/// distance).
/// </summary>
public sealed record ImageDuplicate(long Row, string Class, long OtherRow, string OtherClass, bool Exact, int DifferingBits);

/// <summary>What <see cref="DataInspection.Inspect"/> found.</summary>
public sealed class DataInspectionReport
{
    internal DataInspectionReport(IReadOnlyDictionary<string, int> classCounts, IReadOnlyDictionary<string, IReadOnlyList<ImageExtreme>> extremes,
        IReadOnlyList<ImageDuplicate> duplicates, int uniformImages, IReadOnlyList<string> files, string summary)
    {
        ClassCounts = classCounts;
        Extremes = extremes;
        Duplicates = duplicates;
        UniformImages = uniformImages;
        Files = files;
        Summary = summary;
    }

    /// <summary>Images per class, most frequent first.</summary>
    public IReadOnlyDictionary<string, int> ClassCounts { get; }

    /// <summary>Images counted, over all classes.</summary>
    public int Images => ClassCounts.Values.Sum();

    /// <summary>
    /// By name ("darkest", "brightest", "lowest contrast", "highest contrast", "smallest files", "largest files"), most
    /// extreme first.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ImageExtreme>> Extremes { get; }

    /// <summary>
    /// Images that also appear (exactly or nearly) in <see cref="DataInspectionOptions.CompareWith"/>.
    /// </summary>
    public IReadOnlyList<ImageDuplicate> Duplicates { get; }

    /// <summary>
    /// Images whose pixels barely vary (standard deviation below 0.01): blank or failed images, often.
    /// </summary>
    public int UniformImages { get; }

    /// <summary>The PNGs written (samples.png, extremes.png), when an output directory was given.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>A short text summary.</summary>
    public string Summary { get; }

    /// <inheritdoc />
    public override string ToString() => Summary;
}
