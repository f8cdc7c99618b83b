namespace MLExtensions.TorchVision;

/// <summary>
/// The block structure of a torchvision ResNet: basic or bottleneck blocks, how many per layer, and the channels inside
/// each block (the widths filter pruning reduces).
/// </summary>
internal sealed record TorchVisionResNetLayout(bool Bottleneck, int[] BlocksPerLayer, int WidthPerGroup)
{
    /// <summary>Planes of torchvision's layer1 … layer4.</summary>
    internal static readonly int[] Planes = [64, 128, 256, 512];

    /// <summary>The layout of <paramref name="model"/>, or null for networks that are not plain torchvision ResNets (ResNeXt's grouped convolutions included).</summary>
    internal static TorchVisionResNetLayout? Of(TorchVisionModel model) => model switch
    {
        TorchVisionModel.ResNet18 => new(false, [2, 2, 2, 2], 64),
        TorchVisionModel.ResNet34 => new(false, [3, 4, 6, 3], 64),
        TorchVisionModel.ResNet50 => new(true, [3, 4, 6, 3], 64),
        TorchVisionModel.ResNet101 => new(true, [3, 4, 23, 3], 64),
        TorchVisionModel.ResNet152 => new(true, [3, 8, 36, 3], 64),
        TorchVisionModel.WideResNet50_2 => new(true, [3, 4, 6, 3], 128),
        TorchVisionModel.WideResNet101_2 => new(true, [3, 4, 23, 3], 128),
        _ => null,
    };

    /// <summary>Convolutions inside each block whose outputs stay inside it: conv1 (basic), conv1 and conv2 (bottleneck).</summary>
    internal int InnerConvolutionsPerBlock => Bottleneck ? 2 : 1;

    /// <summary>Block names in state-dict order: "layer1.0", "layer1.1", …</summary>
    internal IEnumerable<(string Name, int Layer)> Blocks()
        => BlocksPerLayer.SelectMany((count, layer) => Enumerable.Range(0, count).Select(b => ($"layer{layer + 1}.{b}", layer)));

    /// <summary>The unpruned inner width of a block of layer <paramref name="layer"/> (0-based).</summary>
    internal int InnerWidth(int layer) => Bottleneck ? Planes[layer] * WidthPerGroup / 64 : Planes[layer];

    /// <summary>Every inner width of the unpruned network, <see cref="InnerConvolutionsPerBlock"/> per block, in block order.</summary>
    internal int[] DefaultInnerWidths()
        => Blocks().SelectMany(b => Enumerable.Repeat(InnerWidth(b.Layer), InnerConvolutionsPerBlock)).ToArray();
}
