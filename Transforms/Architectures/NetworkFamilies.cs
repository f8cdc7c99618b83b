namespace MLExtensions.Architectures;

/// <summary>
/// The registered network families. Each description belongs to exactly one; a description no family claims, or
/// that two claim, is an error rather than a silent guess.
/// </summary>
internal static class NetworkFamilies
{
    private static readonly NetworkFamily[] Registered =
    [
        new SimpleConvNetFamily(),
        new ResNetFamily(),
        new CustomFamily(),
        new TorchVisionResNetFamily(),
        new MobileNetV2Family(),
        new MobileNetV3Family(),
        new VggFamily(),
        new SqueezeNetFamily(),
        new DenseNetFamily(),
        new ShuffleNetV2Family(),
        new MnasNetFamily(),
    ];

    internal static IReadOnlyList<NetworkFamily> All => Registered;

    internal static NetworkFamily Of(NetworkDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var claiming = Registered.Where(f => f.Describes(description)).ToList();
        return claiming.Count switch
        {
            1 => claiming[0],
            0 => throw new ArgumentException($"No network family builds {Name(description)}.", nameof(description)),
            _ => throw new InvalidOperationException($"Several network families claim {Name(description)}: {string.Join(", ", claiming.Select(f => f.Name))}."),
        };
    }

    /// <summary>The torchvision family whose variant <paramref name="model"/> is.</summary>
    internal static TorchVisionFamily Of(TorchVisionModel model)
        => Registered.OfType<TorchVisionFamily>().SingleOrDefault(f => f.Models.Contains(model))
           ?? throw new ArgumentOutOfRangeException(nameof(model), model, "No torchvision family builds this model.");

    private static string Name(NetworkDescription d)
        => $"architecture {d.Architecture}" + (d.TorchVisionModel is { } model ? $" ({model})" : "");
}
