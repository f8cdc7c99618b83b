namespace MLExtensions;

/// <summary>What <see cref="DataInspection.Inspect"/> looks at and where it writes its image grids.</summary>
public sealed class DataInspectionOptions
{
    /// <summary>
    /// The image column: a [C,H,W] float vector, an image (<c>LoadImages</c>), raw image bytes, or a file path (text).
    /// Default "Features".
    /// </summary>
    public string ImageColumnName { get; set; } = "Features";

    /// <summary>The label column: a key (with key values) or text. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Random images shown per class. Default 8.</summary>
    public int ImagesPerClass { get; set; } = 8;

    /// <summary>
    /// Images shown at each extreme (darkest, brightest, lowest and highest contrast, smallest and largest files).
    /// Default 8.
    /// </summary>
    public int ExtremeCount { get; set; } = 8;

    /// <summary>
    /// Images read from files, bytes or MLImage columns are inspected at this size (pixels per side). Default 64.
    /// </summary>
    public int InspectionSize { get; set; } = 64;

    /// <summary>
    /// Data to look for duplicates of the inspected images in (e.g. the test set), read the same way. Default null:
    /// duplicates are looked for within the data only.
    /// </summary>
    public Microsoft.ML.IDataView? CompareWith { get; set; }

    /// <summary>
    /// Near-duplicate candidates: images whose 64-bit average hashes differ in at most this many bits (default 4)…
    /// </summary>
    public int NearDuplicateBits { get; set; } = 4;

    /// <summary>
    /// …whose standardized 16×16 grey thumbnails differ by at most this root-mean-square distance (in standard
    /// deviations). Default 0.1.
    /// </summary>
    public double NearDuplicateDistance { get; set; } = 0.1;

    /// <summary>Where samples.png and extremes.png are written; null: no images.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Seed of the sampling of images shown per class. Default 1.</summary>
    public int Seed { get; set; } = 1;
}
