namespace MLExtensions;

/// <summary>One Fashion-MNIST row, also usable as a <c>PredictionEngine</c> input type.</summary>
public sealed class FashionMnistImage
{
    /// <summary>The class name, e.g. "T-shirt/top".</summary>
    public string Label { get; set; } = "";

    /// <summary>784 pixels in [0,1], row-major, one channel.</summary>
    [Microsoft.ML.Data.VectorType(1, FashionMnist.ImageSize, FashionMnist.ImageSize)]
    public float[] Features { get; set; } = [];
}
