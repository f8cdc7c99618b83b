using Microsoft.ML;
using MLExtensions.Cnn;
using MLExtensions.FineTuning;
using MLExtensions.Pretrained;
using MLExtensions.Architectures;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// The trained network <see cref="FineTuneTrainer"/> starts from: its architecture and weights. Create one from a
/// fitted model, a saved ML.NET model zip, a torchvision architecture plus PyTorch weights (<see cref="FromTorchVision"/>),
/// or a TorchSharp state-dict file plus the architecture that file was saved from.
/// </summary>
public sealed class PretrainedNetwork
{
    private readonly byte[] _weights;

    private PretrainedNetwork(NetworkDescription description, byte[] weights, string source, IReadOnlyList<string>? classNames = null)
    {
        Description = description;
        _weights = weights;
        Source = source;
        ClassNames = classNames;
    }

    /// <summary>
    /// The names of the classes the network's head predicts, in order, when known (from a fitted model whose label
    /// has key values, or given to <see cref="FromTorchVision"/>); <c>FineTuneImageCnn</c>'s <c>KeepHead</c> needs them.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The pretrained architecture (its class count and input shape are those it was trained with).</summary>
    public NetworkDescription Description { get; }

    /// <summary>Where the weights came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The network of a fitted <c>ImageCnn</c> or <c>FineTuneImageCnn</c> model (its weights are copied now).</summary>
    public static PretrainedNetwork FromModel(ImageCnnTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var weights = WeightsFormat.ToBytes(model.Network, Describe(model.Description));
        return new PretrainedNetwork(model.Description, weights, "the given ImageCnn model", model.Labels.Values);
    }

    /// <summary>
    /// The network of the <c>ImageCnn</c> transformer in a model zip saved with <c>mlContext.Model.Save</c>; when the
    /// zip holds a chain with several, the last one.
    /// </summary>
    public static PretrainedNetwork FromModelFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            throw new ArgumentException($"'{path}' is a directory, not a model file: give the path of the .zip that mlContext.Model.Save wrote.", nameof(path));
        if (!File.Exists(path))
            throw new FileNotFoundException($"The pretrained model file '{path}' does not exist.", path);
        ITransformer model;
        try
        {
            model = new MLContext().Model.Load(path, out _);
        }
        // ML.NET calls each component's loader by reflection, so a loader's own error arrives wrapped.
        catch (Exception e) when (Unwrap(e) is FormatException or InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException(
                $"The pretrained model file '{path}' ({new FileInfo(path).Length:N0} bytes) could not be loaded: {Unwrap(e).Message} " +
                "It is not a complete model zip written by mlContext.Model.Save (truncated, damaged, or another kind of file).", e);
        }
        var found = ModelParts.LastImageCnn(model)
            ?? throw new ArgumentException($"The model '{path}' holds no ImageCnn network; it holds: {ModelParts.Describe(model, ", ")}.", nameof(path));
        var pretrained = FromModel(found);
        return new PretrainedNetwork(pretrained.Description, pretrained._weights, $"the model file '{path}'", pretrained.ClassNames);
    }

    /// <summary>
    /// Weights in TorchSharp's state-dict format (<c>Module.save</c>, or PyTorch's <c>exportsd.py</c>) for the
    /// network <paramref name="architecture"/> describes. Every parameter and buffer of that network must be in the
    /// file with the same shape; otherwise this throws naming the first that is not.
    /// </summary>
    public static PretrainedNetwork FromStateDict(string path, NetworkDescription architecture)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(architecture);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The state-dict file '{path}' does not exist.", path);
        var source = $"The state-dict file '{path}'";
        var bytes = File.ReadAllBytes(path);
        var entries = StateDictFile.Read(bytes, source);
        try
        {
            using var network = NetworkFactory.Create(architecture);
            StateDictFile.CheckAgainst(entries, network, Describe(architecture), source);
        }
        finally
        {
            foreach (var entry in entries)
                entry.Value.Dispose();
        }
        return new PretrainedNetwork(architecture, bytes, $"the state-dict file '{path}'");
    }

    /// <summary>
    /// A torchvision network with weights saved by PyTorch: a <c>.safetensors</c> file (preferred: no code runs while
    /// reading it) or <c>torch.save(model.state_dict(), path)</c>'s file; the format is told from the file's content.
    /// The class count is read from the file's classifier (1000 for ImageNet weights). Every parameter and buffer of
    /// the architecture must be in the file with the same shape, or this throws naming the first that differs. Parts
    /// used only in the original training that the network leaves out (GoogLeNet's auxiliary classifiers) are skipped.
    /// </summary>
    /// <param name="model">The architecture the weights were saved from.</param>
    /// <param name="weightsPath">The weights file.</param>
    /// <param name="classNames">The names of the classes the file's head predicts, in order (optional; as many as its classes).</param>
    /// <param name="widthMultiplier">MobileNetV2's <c>width_mult</c> the weights were trained with (1 for torchvision's published weights).</param>
    public static PretrainedNetwork FromTorchVision(TorchVisionModel model, string weightsPath, IReadOnlyList<string>? classNames = null, double widthMultiplier = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        if (!Enum.IsDefined(model))
            throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown torchvision model.");
        var file = PyTorchWeightsFile.Read(weightsPath);
        try
        {
            var family = NetworkFamilies.Of(model);
            int size = family.PretrainedInput(model).Size;
            foreach (var name in file.Keys.Where(family.IsTrainingOnlyWeight).ToList())
            {
                file[name].Dispose();
                file.Remove(name);
            }
            var description = new NetworkDescription
            {
                Architecture = CnnArchitecture.TorchVision,
                TorchVisionModel = model,
                WidthMultiplier = widthMultiplier,
                InputShape = new ImageShape(3, size, size),
                ClassCount = file.TryGetValue(family.HeadName(model) + ".weight", out var head) ? (int)head.shape[0] : TorchVisionFamily.ImageNetClasses,
            };
            if (classNames is not null && classNames.Count != description.ClassCount)
                throw new ArgumentException($"{classNames.Count} class names were given, but the weights file '{weightsPath}' has a head for {description.ClassCount} classes.", nameof(classNames));
            using var network = NetworkFactory.Create(description);
            var aligned = StateDictMatch.Align(file, network, Describe(description), $"The weights file '{weightsPath}'");
            network.load_state_dict(aligned, strict: true);
            return new PretrainedNetwork(description, WeightsFormat.ToBytes(network, Describe(description)), $"the weights file '{weightsPath}'", classNames?.ToArray());
        }
        finally
        {
            foreach (var tensor in file.Values)
                tensor.Dispose();
        }
    }

    private static Exception Unwrap(Exception e) => e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? Unwrap(inner) : e;

    /// <summary>The pretrained network itself, with its weights, on the CPU in evaluation mode (owned by the caller).</summary>
    internal nn.Module<Tensor, Tensor> CreateNetwork(NetworkDescription? description = null)
    {
        var network = NetworkFactory.Create(description ?? Description);
        using (var stream = new MemoryStream(_weights))
            network.load(stream);
        network.eval();
        return network;
    }

    /// <summary>The weights as CPU tensors, by name, owned by the caller.</summary>
    internal List<KeyValuePair<string, TorchSharp.torch.Tensor>> ReadWeights() => StateDictFile.Read(_weights, Source);

    internal static string Describe(NetworkDescription d) => NetworkFamilies.Of(d).Describe(d);
}
