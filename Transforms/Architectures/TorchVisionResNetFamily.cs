using MLExtensions.Pruning;
using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torchvision;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's ResNets, ResNeXt and Wide ResNets: stem (<c>conv1</c>, <c>bn1</c>), <c>layer1</c> … <c>layer4</c>,
/// head <c>fc</c>. The plain ResNets can lose filters inside their blocks; a pruned one is torchvision's network with
/// narrower blocks (<see cref="NetworkDescription.InnerWidths"/>).
/// </summary>
internal sealed class TorchVisionResNetFamily : TorchVisionFamily
{
    internal override string Name => "torchvision ResNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.ResNet18] = d => Build(d, classes => models.resnet18(classes)),
            [TorchVisionModel.ResNet34] = d => Build(d, classes => models.resnet34(classes)),
            [TorchVisionModel.ResNet50] = d => Build(d, classes => models.resnet50(classes)),
            [TorchVisionModel.ResNet101] = d => Build(d, classes => models.resnet101(classes)),
            [TorchVisionModel.ResNet152] = d => Build(d, classes => models.resnet152(classes)),
            [TorchVisionModel.ResNeXt50_32x4d] = d => Build(d, classes => models.resnext50_32x4d(classes)),
            [TorchVisionModel.WideResNet50_2] = d => Build(d, classes => models.wide_resnet50_2(classes)),
            [TorchVisionModel.WideResNet101_2] = d => Build(d, classes => models.wide_resnet101_2(classes)),
        };

    private static nn.Module<Tensor, Tensor> Build(NetworkDescription d, Func<int, nn.Module<Tensor, Tensor>> torchvision)
    {
        var model = d.TorchVisionModel!.Value;
        var network = d.InnerWidths.Count > 0 ? NarrowResNet(model, d.ClassCount, d.InnerWidths) : torchvision(d.ClassCount);
        return Wrap(network, d);
    }

    private protected override bool TakesInnerWidths => true;

    internal override string HeadName(TorchVisionModel model) => "fc";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => [new("stem", "conv1", "bn1"), new("layer1", "layer1"), new("layer2", "layer2"), new("layer3", "layer3"), new("layer4", "layer4")];

    internal override string PruningScope => "torchvision ResNets (ResNet18 … ResNet152, WideResNet50_2, WideResNet101_2)";

    // torchvision's blocks: conv1 (read by conv2) and, in bottlenecks, conv2 (read by conv3); the shortcuts' stream keeps its width.
    internal override IReadOnlyList<PrunableLayer> PrunableLayers(NetworkDescription d, IReadOnlyDictionary<string, long[]> shapes)
    {
        var layout = TorchVisionResNetLayout.Of(d.TorchVisionModel!.Value)
            ?? throw PruningNotSupported(d, "its grouped convolutions tie filters together");
        var inner = d.InnerWidths.Count > 0 ? d.InnerWidths : layout.DefaultInnerWidths();
        var layers = new List<PrunableLayer>();
        foreach (var (block, _) in layout.Blocks())
            for (int c = 1; c <= layout.InnerConvolutionsPerBlock; c++)
                layers.Add(new PrunableLayer($"{block}.conv{c}", $"{block}.conv{c}.weight", $"{block}.bn{c}", [new($"{block}.conv{c + 1}.weight", 1)], inner[layers.Count]));
        return layers;
    }

    /// <summary>
    /// A torchvision ResNet whose blocks have the given inner widths (a pruned one): torchvision's own network around
    /// blocks built here, so every name and operation outside the blocks is torchvision's.
    /// </summary>
    private static nn.Module<Tensor, Tensor> NarrowResNet(TorchVisionModel model, int classes, IReadOnlyList<int> innerWidths)
    {
        var layout = TorchVisionResNetLayout.Of(model)
            ?? throw new ArgumentException($"Only torchvision ResNets (not {model}) can have pruned inner widths.");
        int perBlock = layout.InnerConvolutionsPerBlock, blockCount = layout.BlocksPerLayer.Sum();
        if (innerWidths.Count != blockCount * perBlock || innerWidths.Any(w => w <= 0))
            throw new ArgumentException($"{model} needs {blockCount * perBlock} positive inner widths ({perBlock} per block); got [{string.Join(", ", innerWidths)}].");
        int next = 0;
        TorchSharp.Modules.ResNet.BlockFunc block = (inputs, planes, stride, downsample, _, _, _, _) =>
        {
            int outputs = planes * (layout.Bottleneck ? 4 : 1), inner1 = innerWidths[next++];
            return layout.Bottleneck
                ? new NarrowBottleneck(inputs, inner1, innerWidths[next++], outputs, stride, downsample)
                : new NarrowBasicBlock(inputs, inner1, outputs, stride, downsample);
        };
        return new TorchSharp.Modules.ResNet(model.ToString(), block, layout.Bottleneck ? 4 : 1, layout.BlocksPerLayer, classes, width_per_group: layout.WidthPerGroup);
    }
}
