using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Cnn;

/// <summary>The built-in architectures' first step: standardize the input when the description holds statistics.</summary>
internal static class InputLayers
{
    internal static Module<Tensor, Tensor> Standardization(NetworkDescription description)
        => description.InputMeans is { } means && description.InputStandardDeviations is { } deviations
            ? new InputStandardization(means, deviations)
            : Identity();
}
