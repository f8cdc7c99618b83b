using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Architectures;

/// <summary>
/// <see cref="CnnArchitecture.Custom"/>: a network the user's registered factory builds
/// (<see cref="CustomArchitectures"/>). Its stages are its top-level children; its head is its last linear layer.
/// </summary>
internal sealed class CustomFamily : NetworkFamily
{
    internal override string Name => "Custom";

    internal override bool Describes(NetworkDescription description) => description.Architecture == CnnArchitecture.Custom;

    internal override nn.Module<Tensor, Tensor> Build(NetworkDescription description)
        => CustomArchitectures.Get(description.CustomName)(description.InputShape, description.ClassCount);

    internal override string HeadName(NetworkDescription description, nn.Module network)
        => network.named_modules().LastOrDefault(m => m.module is Linear).name
           ?? throw new InvalidOperationException($"The custom network '{description.CustomName}' has no linear layer to use as the classifier head.");

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => network.named_children().Select(c => new NetworkStage(c.name, c.name)).ToArray();

    internal override string Describe(NetworkDescription d) => $"custom network '{d.CustomName}' ({d.InputShape} input, {d.ClassCount} classes)";

    internal override bool StandardizesInput => false;

    internal override bool HeadOutputsLogits => false;
}
