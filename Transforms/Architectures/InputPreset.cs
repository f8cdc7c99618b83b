namespace MLExtensions.Architectures;

/// <summary>
/// The evaluation preprocessing a family's published weights were trained with: images scaled to cover
/// <see cref="Size"/>×<see cref="Size"/> and centre-cropped, read as RGB in [0, 1], then standardized per channel.
/// </summary>
internal sealed record InputPreset(int Size, IReadOnlyList<float> Means, IReadOnlyList<float> StandardDeviations)
{
    /// <summary>torchvision's ImageNet classifiers: 224×224, ImageNet's channel statistics.</summary>
    internal static readonly InputPreset ImageNet = new(224, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>ImageNet's statistics at another size (networks whose weights were evaluated on larger crops).</summary>
    internal static InputPreset ImageNetAt(int size) => ImageNet with { Size = size };
}
