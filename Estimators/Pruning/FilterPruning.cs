using MLExtensions.Cnn;
using MLExtensions.Pruning;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Filter pruning (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017): removes the convolution filters
/// with the smallest L1 norms and gives back a genuinely smaller network — fewer channels in the convolution, its
/// normalization and the layer that reads it — so the model zip is smaller and prediction faster. Fine-tune the result
/// to recover accuracy: <c>FineTuneImageCnn</c> with <c>Pretrained = PretrainedNetwork.FromModel(pruned)</c>,
/// <c>KeepHead = true</c> and <c>Strategy = FineTuneStrategy.Full</c>.
/// </summary>
public static class FilterPruning
{
    /// <summary>Removes <paramref name="fraction"/> (in [0, 1)) of the filters of every prunable layer; see <see cref="PrunableLayers"/>.</summary>
    public static ImageCnnTransformer PruneFilters(this ImageCnnTransformer model, double fraction)
        => model.PruneFilters(new FilterPruningOptions { Fraction = fraction });

    /// <summary>
    /// A new model whose network keeps only each prunable layer's strongest filters, with the same columns, classes and
    /// training history; <paramref name="model"/> is left as it was. SimpleConvNet loses filters in both convolutions
    /// (and its downsampling stem, by as many as the first); a ResNet, ours or torchvision's, loses the channels inside
    /// each residual block, so the shortcuts, identity or projection, stay as they were.
    /// </summary>
    public static ImageCnnTransformer PruneFilters(this ImageCnnTransformer model, FilterPruningOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var (layers, kept, description) = Plan(model, options);
        var network = NetworkFactory.Create(description);
        PrunedWeights.CopyInto(network, model.Network.state_dict(), layers, kept);
        network.to(model.Device);
        return new ImageCnnTransformer(description, network, model.Device, model.Labels, model.FeatureColumnName, model.ScoreColumnName,
            model.PredictedLabelColumnName, model.History, model.InferenceBatchSize, model.TestTimeAugmentation);
    }

    /// <summary>The layers <see cref="PruneFilters(ImageCnnTransformer, FilterPruningOptions)"/> can prune, by name, with their filter counts.</summary>
    public static IReadOnlyDictionary<string, int> PrunableLayers(this ImageCnnTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Pruning.PrunableLayers.Of(model.Description, Shapes(model.Network)).ToDictionary(l => l.Name, l => l.Filters);
    }

    /// <summary>Which filters each layer keeps, and the description of the smaller network.</summary>
    internal static (IReadOnlyList<PrunableLayer> Layers, Dictionary<string, long[]> Kept, NetworkDescription Description) Plan(ImageCnnTransformer model, FilterPruningOptions options)
    {
        var state = model.Network.state_dict();
        var layers = Pruning.PrunableLayers.Of(model.Description, Shapes(model.Network));
        options.Validate(layers.Select(l => l.Name));
        var kept = PrunedWeights.Choose(state, layers, options);
        return (layers, kept, Pruning.PrunableLayers.Pruned(model.Description, layers, kept));
    }

    private static Dictionary<string, long[]> Shapes(nn.Module network) => network.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
}
