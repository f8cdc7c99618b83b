using MLExtensions.Architectures;

namespace MLExtensions.Pruning;

/// <summary>Which convolutions of a network can lose filters without changing any other layer's shape but their readers'.</summary>
internal static class PrunableLayers
{
    internal static IReadOnlyList<PrunableLayer> Of(NetworkDescription description, IReadOnlyDictionary<string, long[]> shapes)
    {
        if (description.Normalization is NormalizationKind.GroupNorm or NormalizationKind.LayerNorm)
            throw new NotSupportedException(
                $"Filter pruning needs a per-channel normalization (BatchNorm, InstanceNorm or None): with {description.Normalization}, " +
                "removing a channel changes the statistics of the channels it is normalized with.");
        return NetworkFamilies.Of(description).PrunableLayers(description, shapes);
    }

    /// <summary>The description of the network once each layer keeps only its <paramref name="kept"/> filters.</summary>
    internal static NetworkDescription Pruned(NetworkDescription d, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
        => NetworkFamilies.Of(d).Pruned(d, layers, kept);
}
