namespace MLExtensions.Architectures;

/// <summary>
/// The registered network families. Each description belongs to exactly one; a description no family claims, or
/// that two claim, is an error rather than a silent guess.
/// </summary>
internal static class NetworkFamilies
{
    private static readonly object Lock = new();

    private static NetworkFamily[] _registered =
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
        new EfficientNetFamily(),
        new ConvNeXtFamily(),
        new RegNetFamily(),
        new GoogLeNetFamily(),
    ];

    internal static IReadOnlyList<NetworkFamily> All => Volatile.Read(ref _registered);

    /// <summary>
    /// Adds a family from outside this list (a family of <see cref="CnnArchitecture.Registered"/> networks); its
    /// name must be new. Register it before building or loading its networks.
    /// </summary>
    internal static void Register(NetworkFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        lock (Lock)
        {
            if (_registered.Any(f => f.Name == family.Name))
                throw new InvalidOperationException($"A network family named '{family.Name}' is already registered.");
            Volatile.Write(ref _registered, [.. _registered, family]);
        }
    }

    internal static NetworkFamily Of(NetworkDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var claiming = All.Where(f => f.Describes(description)).ToList();
        return claiming.Count switch
        {
            1 => claiming[0],
            0 => throw new ArgumentException($"No network family builds {Name(description)}." + (description.Architecture == CnnArchitecture.Registered
                ? " Register the family (NetworkFamilies.Register) before building or loading its networks." : ""), nameof(description)),
            _ => throw new InvalidOperationException($"Several network families claim {Name(description)}: {string.Join(", ", claiming.Select(f => f.Name))}."),
        };
    }

    /// <summary>The torchvision family whose variant <paramref name="model"/> is.</summary>
    internal static TorchVisionFamily Of(TorchVisionModel model)
        => All.OfType<TorchVisionFamily>().SingleOrDefault(f => f.Models.Contains(model))
           ?? throw new ArgumentOutOfRangeException(nameof(model), model, "No torchvision family builds this model.");

    private static string Name(NetworkDescription d)
        => $"architecture {d.Architecture}" + (d.TorchVisionModel is { } model ? $" ({model})" : "") + (d.FamilyName is { } family ? $" ('{family}')" : "");
}
