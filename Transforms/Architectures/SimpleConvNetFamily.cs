using MLExtensions.Cnn;
using MLExtensions.Pruning;
using static TorchSharp.torch;

namespace MLExtensions.Architectures;

/// <summary>
/// <see cref="CnnArchitecture.SimpleConvNet"/>: two conv stages, an optional hidden layer, a linear classifier
/// (<see cref="Cnn.SimpleConvNet"/>).
/// </summary>
internal sealed class SimpleConvNetFamily : NetworkFamily
{
    internal override string Name => "SimpleConvNet";

    internal override bool Describes(NetworkDescription description) => description.Architecture == CnnArchitecture.SimpleConvNet;

    internal override nn.Module<Tensor, Tensor> Build(NetworkDescription description) => new SimpleConvNet(description);

    internal override bool UsesLibraryInitialization => true;

    /// <summary>Cells per side the last stage is average-pooled to before the classifier, on large images.</summary>
    internal const int LargeImagePooledSize = 4;

    // Large images: torchvision's downsampling stem before the first convolution, and the last stage pooled to 4×4.
    internal override NetworkDescription ForImageSize(NetworkDescription description, bool large)
        => description with { DownsamplingStem = large, PooledSize = large ? LargeImagePooledSize : 0 };

    internal override string HeadName(NetworkDescription description, nn.Module network) => "classifier.output";

    // The downsampling stem of large images trains with the first conv stage it feeds.
    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network) =>
    [
        new("conv stage 1", [.. description.DownsamplingStem ? ["stem"] : Array.Empty<string>(), "features.conv1", "features.norm1"]),
        new("conv stage 2", "features.conv2", "features.norm2"),
        .. description.HiddenUnits > 0 ? [new NetworkStage("hidden layer", "classifier.hidden")] : Array.Empty<NetworkStage>(),
    ];

    internal override string Describe(NetworkDescription d)
        => $"SimpleConvNet (widths [{string.Join(", ", d.Widths)}], {d.HiddenUnits} hidden units, {d.InputShape} input, {d.ClassCount} classes)";

    internal override string PruningScope => "SimpleConvNet";

    internal override IReadOnlyList<PrunableLayer> PrunableLayers(NetworkDescription d, IReadOnlyDictionary<string, long[]> shapes)
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

    internal override NetworkDescription Pruned(NetworkDescription d, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
        => d with { Widths = [kept["conv1"].Length, kept["conv2"].Length] };

    internal override string? ShapeMismatchAdvice(NetworkDescription pretrained, NetworkDescription target)
        => target.InputShape.Height * target.InputShape.Width != pretrained.InputShape.Height * pretrained.InputShape.Width
            ? "SimpleConvNet's hidden layer depends on the image size, so resize the images to the pretrained size (ResNet pools globally and takes any size)."
            : null;
}
