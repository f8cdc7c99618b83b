using MLExtensions.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Builds the (untrained) module a <see cref="NetworkDescription"/> describes.</summary>
internal static class NetworkFactory
{
    internal static nn.Module<Tensor, Tensor> Create(NetworkDescription description)
    {
        TorchRuntime.EnsureAvailable();
        if (description.ClassCount < 2)
            throw new ArgumentException($"A classifier needs at least 2 classes, got {description.ClassCount}.");
        var network = description.Architecture switch
        {
            CnnArchitecture.SimpleConvNet => new SimpleConvNet(description),
            CnnArchitecture.ResNet => new ResNet(description),
            CnnArchitecture.TorchVision => TorchVision.TorchVisionNetworks.Create(description),
            CnnArchitecture.Custom => CustomArchitectures.Get(description.CustomName)(description.InputShape, description.ClassCount),
            _ => throw new ArgumentOutOfRangeException(nameof(description), description.Architecture, "Unknown architecture."),
        };
        OneDnnConvolutionCheck.Verify(network);
        return network;
    }
}
