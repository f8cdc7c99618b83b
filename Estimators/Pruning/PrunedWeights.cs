using static TorchSharp.torch;

namespace MLExtensions.Pruning;

/// <summary>Chooses the filters to keep, and moves a network's weights into its smaller copy.</summary>
internal static class PrunedWeights
{
    /// <summary>
    /// Per layer (tied layers too), the indices of the filters to keep, ascending: all but the given fraction with the
    /// smallest L1 norm Σ|w| (ties keep the earlier filter), and at least one.
    /// </summary>
    internal static Dictionary<string, long[]> Choose(IReadOnlyDictionary<string, Tensor> weights, IReadOnlyList<PrunableLayer> layers, FilterPruningOptions options)
    {
        var kept = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            double fraction = options.FractionFor(layer.Name);
            int keep = Math.Max(1, layer.Filters - (int)Math.Round(fraction * layer.Filters));
            foreach (var each in WithTied(layer))
                kept[each.Name] = Strongest(weights[each.ConvolutionWeight], keep);
        }
        return kept;
    }

    private static long[] Strongest(Tensor convolutionWeight, int keep)
    {
        using var norms = convolutionWeight.detach().abs().sum([1, 2, 3]).to(ScalarType.Float64).cpu();
        var values = norms.data<double>().ToArray();
        return Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).Take(keep)
            .Order().Select(i => (long)i).ToArray();
    }

    /// <summary>Copies <paramref name="source"/>'s weights into <paramref name="target"/>, the pruned network, keeping only the kept channels.</summary>
    internal static void CopyInto(nn.Module target, IReadOnlyDictionary<string, Tensor> source, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
    {
        var slices = Slices(source, layers, kept);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, destination) in target.state_dict())
        {
            var value = source[name];
            foreach (var (axis, indices) in slices.GetValueOrDefault(name) ?? [])
                value = value.index_select(axis, tensor(indices, device: value.device));
            if (!value.shape.SequenceEqual(destination.shape))
                throw new InvalidOperationException($"Pruning made '{name}' [{string.Join(", ", value.shape)}], but the smaller network needs [{string.Join(", ", destination.shape)}].");
            destination.copy_(value);
        }
    }

    /// <summary>
    /// Sets the pruned filters of <paramref name="module"/> to zero, with the scale and shift of their normalization, so
    /// they contribute nothing downstream: the network then computes what the pruned one does.
    /// </summary>
    internal static void ZeroPruned(nn.Module module, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
    {
        var state = module.state_dict();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var layer in layers.SelectMany(WithTied))
        {
            var pruned = Enumerable.Range(0, layer.Filters).Select(i => (long)i).Except(kept[layer.Name]).ToArray();
            if (pruned.Length == 0)
                continue;
            var index = tensor(pruned);
            foreach (var name in new[] { layer.ConvolutionWeight, $"{layer.NormalizationPrefix}.weight", $"{layer.NormalizationPrefix}.bias" })
                if (state.TryGetValue(name, out var weight))
                    weight.index_fill_(0, index.to(weight.device), 0);
        }
    }

    /// <summary>Which index lists each weight is cut along, and on which axis.</summary>
    private static Dictionary<string, List<(long Axis, long[] Indices)>> Slices(IReadOnlyDictionary<string, Tensor> source, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
    {
        var slices = new Dictionary<string, List<(long, long[])>>(StringComparer.Ordinal);
        void Add(string weight, long axis, long[] indices)
        {
            if (!slices.TryGetValue(weight, out var list))
                slices[weight] = list = [];
            list.Add((axis, indices));
        }
        foreach (var layer in layers.SelectMany(WithTied))
        {
            var indices = kept[layer.Name];
            Add(layer.ConvolutionWeight, 0, indices);
            // The normalization's per-channel weight, bias and running statistics; its batch counter is a scalar.
            foreach (var (name, value) in source.Where(p => p.Key.StartsWith(layer.NormalizationPrefix + ".", StringComparison.Ordinal) && p.Value.dim() == 1))
                Add(name, 0, indices);
            foreach (var reader in layer.Readers)
                Add(reader.Weight, reader.Axis, indices.SelectMany(c => Enumerable.Range(0, reader.Block).Select(j => c * reader.Block + j)).ToArray());
        }
        return slices;
    }

    private static IEnumerable<PrunableLayer> WithTied(PrunableLayer layer) => layer.Tied is { } tied ? [layer, tied] : [layer];
}
