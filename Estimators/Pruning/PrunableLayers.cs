using MLExtensions.Cnn;
using MLExtensions.TorchVision;

namespace MLExtensions.Pruning;

/// <summary>A state-dict weight that reads a pruned layer's output channels along <see cref="Axis"/>.</summary>
/// <param name="Block">Consecutive entries per channel along the axis: 1 for a convolution, the pooled cells for a linear layer after flatten.</param>
internal sealed record ChannelReader(string Weight, int Axis, int Block = 1);

/// <summary>
/// A convolution whose output channels (filters) can be removed: its weight, the per-channel normalization after it,
/// the weights that read its output, and (for SimpleConvNet's downsampling stem) a layer that must keep as many.
/// </summary>
internal sealed record PrunableLayer(string Name, string ConvolutionWeight, string NormalizationPrefix, IReadOnlyList<ChannelReader> Readers, int Filters)
{
    /// <summary>A layer pruned by the same count as this one (so the network's width list still describes it).</summary>
    public PrunableLayer? Tied { get; init; }
}

/// <summary>Which convolutions of a network can lose filters without changing any other layer's shape but their readers'.</summary>
internal static class PrunableLayers
{
    internal static IReadOnlyList<PrunableLayer> Of(NetworkDescription description, IReadOnlyDictionary<string, long[]> shapes)
    {
        if (description.Normalization is NormalizationKind.GroupNorm or NormalizationKind.LayerNorm)
            throw new NotSupportedException(
                $"Filter pruning needs a per-channel normalization (BatchNorm, InstanceNorm or None): with {description.Normalization}, " +
                "removing a channel changes the statistics of the channels it is normalized with.");
        return description.Architecture switch
        {
            CnnArchitecture.SimpleConvNet => SimpleConvNet(description, shapes),
            CnnArchitecture.ResNet => ResNet(description),
            CnnArchitecture.TorchVision when description.TorchVisionModel is { } model && TorchVisionResNetLayout.Of(model) is { } layout
                => TorchVisionResNet(layout, InnerWidthsOf(description, layout)),
            _ => throw new NotSupportedException(
                $"Filter pruning works on SimpleConvNet, ResNet and torchvision ResNet networks (ResNet18 … ResNet152, WideResNet50_2, WideResNet101_2); this one is {description.Architecture}" +
                (description.TorchVisionModel is { } other ? $" ({other})" : "") + "."),
        };
    }

    private static IReadOnlyList<PrunableLayer> SimpleConvNet(NetworkDescription d, IReadOnlyDictionary<string, long[]> shapes)
    {
        int w1 = d.Widths[0], w2 = d.Widths[1];
        string linear = d.HiddenUnits > 0 ? "classifier.hidden.weight" : "classifier.output.weight";
        int cellsPerChannel = (int)(shapes[linear][1] / w2);
        var conv1 = new PrunableLayer("conv1", "features.conv1.weight", "features.norm1", [new("features.conv2.weight", 1)], w1);
        if (d.DownsamplingStem)
            conv1 = conv1 with { Tied = new PrunableLayer("stem", "stem.conv.weight", "stem.norm", [new("features.conv1.weight", 1)], w1) };
        return
        [
            conv1,
            new PrunableLayer("conv2", "features.conv2.weight", "features.norm2", [new(linear, 1, cellsPerChannel)], w2),
        ];
    }

    // Only the channels inside each residual block: the stream the shortcuts add to keeps its width (Li et al. 2017).
    private static IReadOnlyList<PrunableLayer> ResNet(NetworkDescription d)
    {
        var inner = Cnn.ResNet.InnerWidths(d);
        var layers = new List<PrunableLayer>();
        for (int s = 0, i = 0; s < d.Widths.Count; s++)
            for (int b = 0; b < d.Blocks[s]; b++, i++)
            {
                string block = Cnn.ResNet.BlockName(s, b), path = $"stages.{block}";
                layers.Add(new PrunableLayer(block, $"{path}.conv1.weight", $"{path}.norm1", [new($"{path}.conv2.weight", 1)], inner[i]));
            }
        return layers;
    }

    // torchvision's blocks: conv1 (read by conv2) and, in bottlenecks, conv2 (read by conv3); the shortcuts' stream keeps its width.
    private static IReadOnlyList<PrunableLayer> TorchVisionResNet(TorchVisionResNetLayout layout, IReadOnlyList<int> inner)
    {
        var layers = new List<PrunableLayer>();
        foreach (var (block, _) in layout.Blocks())
            for (int c = 1; c <= layout.InnerConvolutionsPerBlock; c++)
                layers.Add(new PrunableLayer($"{block}.conv{c}", $"{block}.conv{c}.weight", $"{block}.bn{c}", [new($"{block}.conv{c + 1}.weight", 1)], inner[layers.Count]));
        return layers;
    }

    private static IReadOnlyList<int> InnerWidthsOf(NetworkDescription d, TorchVisionResNetLayout layout)
        => d.InnerWidths.Count > 0 ? d.InnerWidths : layout.DefaultInnerWidths();

    /// <summary>The description of the network once each layer keeps only its <paramref name="kept"/> filters.</summary>
    internal static NetworkDescription Pruned(NetworkDescription d, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
        => d.Architecture == CnnArchitecture.SimpleConvNet
            ? d with { Widths = [kept["conv1"].Length, kept["conv2"].Length] }
            : d with { InnerWidths = layers.Select(l => kept[l.Name].Length).ToArray() };
}
