namespace MLExtensions;

/// <summary>Which mean <c>SubtractMean</c> removes from every image.</summary>
public enum MeanSubtractionMode
{
    /// <summary>One mean (and std) per channel: C numbers, as in VGG/ResNet preprocessing.</summary>
    PerChannel,
    /// <summary>The mean image: one mean (and std) per value, C×H×W numbers, as in AlexNet preprocessing.</summary>
    PerPixel,
}
