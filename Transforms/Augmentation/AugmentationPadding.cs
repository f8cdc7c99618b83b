namespace MLExtensions;

/// <summary>How augmentations fill pixels that come from outside the image.</summary>
public enum AugmentationPadding
{
    /// <summary>With zeros (the mean, after mean subtraction).</summary>
    Zero,
    /// <summary>By mirroring the image at its border.</summary>
    Reflect,
}
