using MLExtensions.Native;
using MLExtensions.TorchVision;
using static TorchSharp.torch;

namespace MLExtensions.Architectures;

/// <summary>
/// A family of torchvision networks (<see cref="CnnArchitecture.TorchVision"/>): its variants, each a
/// <see cref="TorchVisionModel"/> value with its builder, with torchvision's parameter names so that PyTorch's state
/// dicts load into it and its own load into PyTorch, and ImageNet's input preset.
/// </summary>
internal abstract class TorchVisionFamily : NetworkFamily
{
    /// <summary>Class count of the ImageNet heads torchvision's weights come with.</summary>
    internal const int ImageNetClasses = 1000;

    /// <summary>The variants and how each is built for a class count (and, where the family takes one, a width).</summary>
    private protected abstract IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; }

    /// <summary>True for families whose variants take torchvision's <c>width_mult</c>.</summary>
    private protected virtual bool TakesWidthMultiplier => false;

    /// <summary>True for families that can be built with narrower blocks (<see cref="NetworkDescription.InnerWidths"/>).</summary>
    private protected virtual bool TakesInnerWidths => false;

    internal IEnumerable<TorchVisionModel> Models => Variants.Keys;

    internal override bool Describes(NetworkDescription description)
        => description.Architecture == CnnArchitecture.TorchVision && description.TorchVisionModel is { } model && Variants.ContainsKey(model);

    internal override nn.Module<Tensor, Tensor> Build(NetworkDescription description)
    {
        TorchRuntime.EnsureAvailable();
        var model = description.TorchVisionModel!.Value;
        if (description.WidthMultiplier != 1 && !TakesWidthMultiplier)
            throw new ArgumentException($"{model} takes no width multiplier; it was given {description.WidthMultiplier}.", nameof(description));
        if (description.InnerWidths.Count > 0 && !TakesInnerWidths)
            throw new ArgumentException($"{model} cannot be built with pruned inner widths.", nameof(description));
        return Variants[model](description);
    }

    internal override string HeadName(NetworkDescription description, nn.Module network) => HeadName(description.TorchVisionModel!.Value);

    /// <summary>The classifier layer's module name, which also tells a weights file's class count.</summary>
    internal abstract string HeadName(TorchVisionModel model);

    internal override InputPreset PretrainedInput(NetworkDescription description) => PretrainedInput(description.TorchVisionModel!.Value);

    /// <summary>The input <paramref name="model"/>'s ImageNet weights were evaluated at: by default torchvision's 224×224.</summary>
    internal virtual InputPreset PretrainedInput(TorchVisionModel model) => InputPreset.ImageNet;

    internal override string Describe(NetworkDescription d)
        => $"torchvision {d.TorchVisionModel}{(d.WidthMultiplier != 1 ? $" (width {d.WidthMultiplier})" : "")} ({d.InputShape} input, {d.ClassCount} classes)";

    /// <summary>torchvision's own network, with its parts under their own names and the description's input standardization.</summary>
    private protected static nn.Module<Tensor, Tensor> Wrap(nn.Module<Tensor, Tensor> network, NetworkDescription description)
        => new TorchVisionNetwork(description.TorchVisionModel!.Value.ToString(), network, description);

    /// <summary>
    /// Starts a network's layers as its torchvision builder does: each convolution and linear layer by the given rule,
    /// each batch norm at scale 1 and shift 0.
    /// </summary>
    private protected static void Initialize(nn.Module network, Action<TorchSharp.Modules.Conv2d> convolution, Action<TorchSharp.Modules.Linear> linear)
    {
        using var noGrad = no_grad();
        foreach (var module in network.modules())
            switch (module)
            {
                case TorchSharp.Modules.Conv2d layer:
                    convolution(layer);
                    break;
                case TorchSharp.Modules.BatchNorm2d norm:
                    StartAtIdentity(norm);
                    break;
                case TorchSharp.Modules.Linear layer:
                    linear(layer);
                    break;
            }
    }

    /// <summary>torchvision's start for batch norms: scale 1, shift 0 (what BatchNorm2d starts with anyway, set explicitly as torchvision does).</summary>
    private protected static void StartAtIdentity(TorchSharp.Modules.BatchNorm2d norm)
    {
        nn.init.ones_(norm.weight!);
        nn.init.zeros_(norm.bias!);
    }

    /// <summary>Stages made of consecutive <c>features.i</c> blocks, named "features.first-last".</summary>
    private protected static NetworkStage[] FeatureRanges(params (int First, int Last)[] ranges) => Ranges("features", ranges);

    /// <summary>Stages made of consecutive children of the sequence <paramref name="sequence"/>, named "sequence.first-last".</summary>
    private protected static NetworkStage[] Ranges(string sequence, params (int First, int Last)[] ranges)
        => ranges.Select(r => new NetworkStage(
                r.First == r.Last ? $"{sequence}.{r.First}" : $"{sequence}.{r.First}-{r.Last}",
                Enumerable.Range(r.First, r.Last - r.First + 1).Select(i => $"{sequence}.{i}").ToArray()))
            .ToArray();
}
