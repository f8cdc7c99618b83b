namespace MLExtensions;

/// <summary>What <see cref="DataInspection.Inspect"/> looks at and where it writes its image grids.</summary>
public sealed class DataInspectionOptions
{
    /// <summary>The image column: a [C,H,W] float vector, an image (<c>LoadImages</c>), raw image bytes, or a file path (text).</summary>
    public string ImageColumnName { get; set; } = "Features";

    /// <summary>The label column: a key (with key values) or text.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Random images shown per class.</summary>
    public int ImagesPerClass { get; set; } = 8;

    /// <summary>Images shown at each extreme (darkest, brightest, lowest and highest contrast, smallest and largest files).</summary>
    public int ExtremeCount { get; set; } = 8;

    /// <summary>Images read from files, bytes or MLImage columns are inspected at this size (pixels per side).</summary>
    public int InspectionSize { get; set; } = 64;

    /// <summary>Data to look for duplicates of the inspected images in (e.g. the test set), read the same way.</summary>
    public Microsoft.ML.IDataView? CompareWith { get; set; }

    /// <summary>Near-duplicate candidates: images whose 64-bit average hashes differ in at most this many bits…</summary>
    public int NearDuplicateBits { get; set; } = 4;

    /// <summary>…whose standardized 16×16 grey thumbnails differ by at most this root-mean-square distance (in standard deviations).</summary>
    public double NearDuplicateDistance { get; set; } = 0.1;

    /// <summary>Where samples.png and extremes.png are written; null: no images.</summary>
    public string? OutputDirectory { get; set; }

    public int Seed { get; set; } = 1;
}
