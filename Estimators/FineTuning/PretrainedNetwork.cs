using Microsoft.ML;
using MLExtensions.Cnn;
using MLExtensions.FineTuning;

namespace MLExtensions;

/// <summary>
/// The trained network <see cref="FineTuneTrainer"/> starts from: its architecture and weights. Create one from a
/// fitted model, a saved ML.NET model zip, or a TorchSharp state-dict file plus the architecture that file was saved
/// from (which is how weights trained in PyTorch arrive, through TorchSharp's export script).
/// </summary>
public sealed class PretrainedNetwork
{
    private readonly byte[] _weights;

    private PretrainedNetwork(NetworkDescription description, byte[] weights, string source)
    {
        Description = description;
        _weights = weights;
        Source = source;
    }

    /// <summary>The pretrained architecture (its class count and input shape are those it was trained with).</summary>
    public NetworkDescription Description { get; }

    /// <summary>Where the weights came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The network of a fitted <c>ImageCnn</c> or <c>FineTuneImageCnn</c> model (its weights are copied now).</summary>
    public static PretrainedNetwork FromModel(ImageCnnTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var buffer = new MemoryStream();
        model.Network.save(buffer);
        return new PretrainedNetwork(model.Description, buffer.ToArray(), "the given ImageCnn model");
    }

    /// <summary>
    /// The network of the <c>ImageCnn</c> transformer in a model zip saved with <c>mlContext.Model.Save</c>; when the
    /// zip holds a chain with several, the last one.
    /// </summary>
    public static PretrainedNetwork FromModelFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The pretrained model file '{path}' does not exist.", path);
        var model = new MLContext().Model.Load(path, out _);
        var found = ModelParts.LastImageCnn(model)
            ?? throw new ArgumentException($"The model '{path}' holds no ImageCnn network; it holds: {ModelParts.Describe(model, ", ")}.", nameof(path));
        var pretrained = FromModel(found);
        return new PretrainedNetwork(pretrained.Description, pretrained._weights, $"the model file '{path}'");
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

    /// <summary>The weights as CPU tensors, by name, owned by the caller.</summary>
    internal List<KeyValuePair<string, TorchSharp.torch.Tensor>> ReadWeights() => StateDictFile.Read(_weights, Source);

    internal static string Describe(NetworkDescription d) => d.Architecture switch
    {
        CnnArchitecture.ResNet => $"ResNet (widths [{string.Join(", ", d.Widths)}], blocks [{string.Join(", ", d.Blocks)}], {d.InputShape} input, {d.ClassCount} classes)",
        CnnArchitecture.SimpleConvNet => $"SimpleConvNet (widths [{string.Join(", ", d.Widths)}], {d.HiddenUnits} hidden units, {d.InputShape} input, {d.ClassCount} classes)",
        _ => $"custom network '{d.CustomName}' ({d.InputShape} input, {d.ClassCount} classes)",
    };
}
