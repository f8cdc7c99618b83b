using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.TorchVision;

/// <summary>
/// A torchvision network, with its parts registered under torchvision's own names (so its state dict is exactly
/// PyTorch's), optionally standardizing its input first (<see cref="NetworkDescription.InputMeans"/>: ImageNet's
/// statistics for images read from files). The statistics live in the description, not in the state dict.
/// </summary>
internal sealed class TorchVisionNetwork : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _forward;
    private readonly float[]? _means;
    private readonly float[]? _deviations;

    internal TorchVisionNetwork(string name, Module<Tensor, Tensor> model, NetworkDescription description)
        : this(name, model.named_children().Select(c => (c.name, (Module<Tensor, Tensor>)c.module)).ToList(), model.forward, description)
    {
    }

    internal TorchVisionNetwork(string name, IReadOnlyList<(string Name, Module<Tensor, Tensor> Module)> parts, Func<Tensor, Tensor> forward,
        NetworkDescription description) : base(name)
    {
        foreach (var (partName, part) in parts)
            register_module(partName, part);
        _forward = forward;
        _means = description.InputMeans?.ToArray();
        _deviations = description.InputStandardDeviations?.ToArray();
    }

    // Not an InputStandardization child: its buffers would add entries PyTorch's state dict does not have.
    public override Tensor forward(Tensor image)
    {
        if (_means is null || _deviations is null)
            return _forward(image);
        using var scope = NewDisposeScope();
        var mean = tensor(_means, device: image.device).view(1, -1, 1, 1);
        var deviation = tensor(_deviations, device: image.device).view(1, -1, 1, 1);
        return _forward((image - mean) / deviation).MoveToOuterDisposeScope();
    }
}
