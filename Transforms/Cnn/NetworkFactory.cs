using MLExtensions.Architectures;
using MLExtensions.Native;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Builds the (untrained) module a <see cref="NetworkDescription"/> describes, with its family.</summary>
internal static class NetworkFactory
{
    internal static nn.Module<Tensor, Tensor> Create(NetworkDescription description)
    {
        TorchRuntime.EnsureAvailable();
        if (description.ClassCount < 2)
            throw new ArgumentException($"A classifier needs at least 2 classes, got {description.ClassCount}.");
        var family = NetworkFamilies.Of(description);
        if (description.StochasticDepth is not null && !family.HasStochasticDepth)
            throw new ArgumentException($"{family.Describe(description)} has no stochastic depth; leave StochasticDepth null for it.");
        int minimum = family.MinimumImageSide(description);
        if (description.InputShape.Height < minimum || description.InputShape.Width < minimum)
            throw new ArgumentException($"{family.Describe(description)} needs images of at least {minimum}×{minimum} pixels; these are " +
                $"{description.InputShape.Width}×{description.InputShape.Height}. Enlarge them (ResizeImages, or ImageHeight and ImageWidth for image columns).");
        var network = family.Build(description);
        OneDnnConvolutionCheck.Verify(network);
        return network;
    }
}
