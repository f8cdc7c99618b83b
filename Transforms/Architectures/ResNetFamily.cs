using MLExtensions.Pruning;
using static TorchSharp.torch;

namespace MLExtensions.Architectures;

/// <summary>
/// <see cref="CnnArchitecture.ResNet"/>: a stem, stages of basic residual blocks, global average pooling and a linear
/// classifier (<see cref="Cnn.ResNet"/>).
/// </summary>
internal sealed class ResNetFamily : NetworkFamily
{
    internal override string Name => "ResNet";

    internal override bool Describes(NetworkDescription description) => description.Architecture == CnnArchitecture.ResNet;

    internal override nn.Module<Tensor, Tensor> Build(NetworkDescription description) => new Cnn.ResNet(description);

    internal override bool UsesLibraryInitialization => true;

    // Large images: torchvision's downsampling stem instead of the 3×3 one.
    internal override NetworkDescription ForImageSize(NetworkDescription description, bool large)
        => description with { DownsamplingStem = large, PooledSize = 0 };

    internal override string HeadName(NetworkDescription description, nn.Module network) => "head.output";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
    {
        var stages = new List<NetworkStage> { new("stem", "stem") };
        for (int s = 0; s < description.Blocks.Count; s++)
            for (int b = 0; b < description.Blocks[s]; b++)
                stages.Add(new($"stage {s + 1} block {b + 1}", $"stages.{Cnn.ResNet.BlockName(s, b)}"));
        return stages;
    }

    internal override string Describe(NetworkDescription d)
        => $"ResNet (widths [{string.Join(", ", d.Widths)}], blocks [{string.Join(", ", d.Blocks)}], {d.InputShape} input, {d.ClassCount} classes)";

    internal override string PruningScope => "ResNet";

    // Only the channels inside each residual block: the stream the shortcuts add to keeps its width (Li et al. 2017).
    internal override IReadOnlyList<PrunableLayer> PrunableLayers(NetworkDescription d, IReadOnlyDictionary<string, long[]> shapes)
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
}
