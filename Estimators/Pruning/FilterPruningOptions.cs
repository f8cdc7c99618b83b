namespace MLExtensions;

/// <summary>How many convolution filters <see cref="FilterPruning.PruneFilters(ImageCnnTransformer, FilterPruningOptions)"/> removes, layer by layer.</summary>
public sealed class FilterPruningOptions
{
    /// <summary>
    /// The fraction of each prunable layer's filters to remove, those with the smallest L1 norm (Li et al. 2017); at
    /// least one filter always stays. In [0, 1); default 0.5.
    /// </summary>
    public double Fraction { get; set; } = 0.5;

    /// <summary>
    /// Fractions for particular layers, by the names <see cref="FilterPruning.PrunableLayers"/> lists (e.g. "conv2",
    /// "stage2_block1"), overriding <see cref="Fraction"/> there. Default null: <see cref="Fraction"/> everywhere.
    /// </summary>
    public IDictionary<string, double>? LayerFractions { get; set; }

    internal double FractionFor(string layer) => LayerFractions is { } fractions && fractions.TryGetValue(layer, out var f) ? f : Fraction;

    internal void Validate(IEnumerable<string> layers)
    {
        var names = layers.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, fraction) in new[] { ("Fraction", Fraction) }.Concat(LayerFractions?.Select(p => (p.Key, p.Value)) ?? []))
            if (fraction is not (>= 0 and < 1))
                throw new ArgumentOutOfRangeException(nameof(Fraction), $"Pruning fractions must be in [0, 1); '{name}' is {fraction}.");
        var unknown = LayerFractions?.Keys.FirstOrDefault(k => !names.Contains(k));
        if (unknown is not null)
            throw new ArgumentException($"LayerFractions names '{unknown}', which is not a prunable layer of this network; its prunable layers are {string.Join(", ", names)}.");
    }
}
