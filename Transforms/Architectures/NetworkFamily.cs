using MLExtensions.Pruning;
using static TorchSharp.torch;

namespace MLExtensions.Architectures;

/// <summary>A named part of a network's body for fine-tuning, as the module names it is made of.</summary>
internal sealed record NetworkStage(string Name, IReadOnlyList<string> Modules)
{
    internal NetworkStage(string name, params string[] modules) : this(name, (IReadOnlyList<string>)modules)
    {
    }
}

/// <summary>
/// One family of networks as one registered object: it builds the network a <see cref="NetworkDescription"/> names,
/// and tells the rest of the library how to treat it: its fine-tuning stages and classifier layer, the input its
/// pretrained weights expect, which of its convolutions can lose filters, and how to name it in logs and errors.
/// Adding a family is one class deriving from this one and its line in <see cref="NetworkFamilies"/>.
/// </summary>
internal abstract class NetworkFamily
{
    /// <summary>The family's name, unique among the registered families.</summary>
    internal abstract string Name { get; }

    /// <summary>
    /// Whether <paramref name="description"/> names a network of this family; by default, a
    /// <see cref="CnnArchitecture.Registered"/> description with the family's name.
    /// </summary>
    internal virtual bool Describes(NetworkDescription description)
        => description.Architecture == CnnArchitecture.Registered && description.FamilyName == Name;

    /// <summary>The untrained network, its parameters named as the family's weights files name them.</summary>
    internal abstract nn.Module<Tensor, Tensor> Build(NetworkDescription description);

    /// <summary>The module name of the classifier layer that maps the last features to class scores.</summary>
    internal abstract string HeadName(NetworkDescription description, nn.Module network);

    /// <summary>
    /// The body as stages from the input up; with the head they hold every parameter (fine-tuning checks this).
    /// </summary>
    internal abstract IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network);

    /// <summary>The network in words, for logs and errors, e.g. "torchvision ResNet18 ([3, 224, 224] input, 10 classes)".</summary>
    internal abstract string Describe(NetworkDescription description);

    /// <summary>The preprocessing the published weights of <paramref name="description"/>'s network expect; null when there are none.</summary>
    internal virtual InputPreset? PretrainedInput(NetworkDescription description) => null;

    /// <summary>
    /// True when <c>ImageCnn</c>'s initialization options (<c>Initialization</c>, <c>ZeroInitializeLastLayer</c>)
    /// apply; false for networks that initialize themselves as their authors do (torchvision's, the user's).
    /// </summary>
    internal virtual bool UsesLibraryInitialization => false;

    /// <summary>
    /// The description with the layers the family adds for photo-sized images (<paramref name="large"/>: at least
    /// 64×64), such as torchvision's downsampling stem; unchanged for families with one layout for every size.
    /// </summary>
    internal virtual NetworkDescription ForImageSize(NetworkDescription description, bool large) => description;

    /// <summary>
    /// Whether a weights file's entry belongs to a part the network leaves out because it serves only the original
    /// training (GoogLeNet's auxiliary classifiers); such entries are dropped when a file is read.
    /// </summary>
    internal virtual bool IsTrainingOnlyWeight(string name) => false;

    /// <summary>The smallest image side the network takes (networks whose strided layers do not pad run out of pixels below it).</summary>
    internal virtual int MinimumImageSide(NetworkDescription description) => 1;

    /// <summary>True when the network has residual blocks that stochastic depth can skip (<see cref="NetworkDescription.StochasticDepth"/>).</summary>
    internal virtual bool HasStochasticDepth => false;

    /// <summary>True when the network standardizes its input with <see cref="NetworkDescription.InputMeans"/>.</summary>
    internal virtual bool StandardizesInput => true;

    /// <summary>
    /// True when the classifier layer's output is the logits, so that a linear probe can train it alone on its cached
    /// inputs; false when layers follow it (SqueezeNet's convolutional classifier is followed by pooling) or when that
    /// is unknown (a user's network).
    /// </summary>
    internal virtual bool HeadOutputsLogits => true;

    /// <summary>The convolutions whose filters can be removed (filter pruning).</summary>
    /// <param name="shapes">The network's state-dict shapes by name.</param>
    internal virtual IReadOnlyList<PrunableLayer> PrunableLayers(NetworkDescription description, IReadOnlyDictionary<string, long[]> shapes)
        => throw PruningNotSupported(description);

    /// <summary>The networks of this family that filter pruning works on, in words; null when none.</summary>
    internal virtual string? PruningScope => null;

    private protected NotSupportedException PruningNotSupported(NetworkDescription description, string? reason = null)
        => new($"Filter pruning is not supported for {Describe(description)}{(reason is null ? "" : $": {reason}")}. It works on " +
               string.Join(", ", NetworkFamilies.All.Select(f => f.PruningScope).OfType<string>()) + ".");

    /// <summary>The description of the network once each prunable layer keeps only the given filters.</summary>
    internal virtual NetworkDescription Pruned(NetworkDescription description, IReadOnlyList<PrunableLayer> layers, IReadOnlyDictionary<string, long[]> kept)
        => description with { InnerWidths = layers.Select(l => kept[l.Name].Length).ToArray() };

    /// <summary>The version of the config <see cref="WriteConfig"/> writes; raise it when the config gains a field.</summary>
    internal virtual int ConfigVersion => 1;

    /// <summary>Writes the family's own settings (<see cref="NetworkDescription.FamilyConfig"/>); nothing by default.</summary>
    internal virtual void WriteConfig(NetworkDescription description, BinaryWriter writer)
    {
    }

    /// <summary>Reads what <see cref="WriteConfig"/> wrote in config version <paramref name="version"/> into the description.</summary>
    internal virtual NetworkDescription ReadConfig(NetworkDescription description, BinaryReader reader, int version) => description;

    /// <summary>What to tell a user whose pretrained weights do not fit the new network's shape, or null.</summary>
    internal virtual string? ShapeMismatchAdvice(NetworkDescription pretrained, NetworkDescription target) => null;
}
