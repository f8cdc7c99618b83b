using MLExtensions.Architectures;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.UnitTests.ToyFamily;

/// <summary>The toy family's own setting: the channels of its convolutions.</summary>
internal sealed record ToyConfig(int Width) : FamilyConfig;

/// <summary>
/// A network family added the way the design notes describe, by this file and one <c>NetworkFamilies.Register</c>
/// call: a convolution stem, a convolution body, global average pooling and a linear head, with its width as its own
/// config.
/// </summary>
internal sealed class ToyFamily : NetworkFamily
{
    internal const string FamilyName = "Toy";
    private const int DefaultWidth = 8;

    internal override string Name => FamilyName;

    internal override Module<Tensor, Tensor> Build(NetworkDescription description)
    {
        long width = (description.FamilyConfig as ToyConfig)?.Width ?? DefaultWidth;
        return Sequential(
            ("stem", Sequential(Conv2d(description.InputShape.Channels, width, 3, padding: 1), BatchNorm2d(width), ReLU())),
            ("body", Sequential(Conv2d(width, width, 3, stride: 2, padding: 1), BatchNorm2d(width), ReLU())),
            ("pool", AdaptiveAvgPool2d(1)),
            ("flatten", Flatten()),
            ("head", Linear(width, description.ClassCount)));
    }

    internal override string HeadName(NetworkDescription description, Module network) => "head";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, Module network)
        => [new("stem", "stem"), new("body", "body")];

    internal override string Describe(NetworkDescription d)
        => $"toy network of width {(d.FamilyConfig as ToyConfig)?.Width ?? DefaultWidth} ({d.InputShape} input, {d.ClassCount} classes)";

    internal override bool StandardizesInput => false;

    internal override void WriteConfig(NetworkDescription description, BinaryWriter writer)
        => writer.Write((description.FamilyConfig as ToyConfig)?.Width ?? 0);

    internal override NetworkDescription ReadConfig(NetworkDescription description, BinaryReader reader, int version)
        => reader.ReadInt32() is var width and > 0 ? description with { FamilyConfig = new ToyConfig(width) } : description;
}
