namespace MLExtensions;

/// <summary>Which copy of Fashion-MNIST to load.</summary>
public enum FashionMnistSource
{
    /// <summary>The full data set when it can be found, otherwise the subset shipped in this package (MLExtensions.SampleData).</summary>
    Auto,
    /// <summary>The full 60,000 + 10,000 images; an error when they cannot be found.</summary>
    Full,
    /// <summary>The shipped stratified subset: 2,000 training and 1,000 test images (200 and 100 per class).</summary>
    EmbeddedSubset,
}
