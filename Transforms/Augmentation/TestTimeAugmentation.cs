namespace MLExtensions;

/// <summary>Fixed views whose predicted probabilities are averaged at prediction time (deterministic).</summary>
public enum TestTimeAugmentation
{
    /// <summary>The image as it is.</summary>
    None,
    /// <summary>The image and its left-right mirror (2 views).</summary>
    HorizontalFlip,
    /// <summary>The classic 10-crop recipe: 4 corner crops and the centre crop (87.5 % of each side, resized back), each also mirrored.</summary>
    TenCrop,
}
