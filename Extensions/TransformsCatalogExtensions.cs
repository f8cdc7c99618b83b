using Microsoft.ML;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>MLExtensions' transforms on <c>mlContext.Transforms</c>.</summary>
public static class TransformsCatalogExtensions
{
    /// <summary>
    /// Zero-centres planar C×H×W float images: subtracts the per-channel means or the mean image fitted on the
    /// training data, optionally dividing by the matching standard deviation.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Column to produce (same type and dimensions as the input).</param>
    /// <param name="inputColumnName">Image column to read; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="mode">Per-channel means (C numbers) or the mean image (C×H×W numbers).</param>
    /// <param name="divideByStd">Also divide by the standard deviation.</param>
    /// <param name="maxSamples">Fit on at most this many rows (the first ones); all rows when null.</param>
    public static MeanSubtractionEstimator SubtractMean(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, MeanSubtractionMode mode = MeanSubtractionMode.PerChannel,
        bool divideByStd = false, int? maxSamples = null)
        => catalog.SubtractMean(new MeanSubtractionEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Mode = mode,
            DivideByStd = divideByStd,
            MaxSamples = maxSamples,
        });

    /// <summary>Zero-centres planar C×H×W float images, with every option of <see cref="MeanSubtractionEstimator.Options"/>.</summary>
    public static MeanSubtractionEstimator SubtractMean(this TransformsCatalog catalog, MeanSubtractionEstimator.Options options)
        => new(CatalogEnvironment.Of(catalog), options);

    /// <summary>
    /// Randomly augments a planar C×H×W float image column for the estimators after it while the pipeline is fitted
    /// (new randomness on every pass over the data); <c>Transform</c>, <c>PredictionEngine</c> and saved models see the
    /// column unchanged. For the fastest path, give the policy to <c>ImageCnnTrainer.Options.Augmentation</c> instead.
    /// </summary>
    public static AugmentImagesEstimator AugmentImages(this TransformsCatalog catalog, string outputColumnName,
        ImageAugmentation policy, string? inputColumnName = null)
        => new(CatalogEnvironment.Of(catalog), outputColumnName, policy, inputColumnName);

    /// <summary>
    /// Classifies images with a pretrained network as it is (e.g. <c>PretrainedNetwork.FromTorchVision</c> with
    /// ImageNet weights): adds <paramref name="outputColumnName"/>, the probabilities of the network's own classes (slot
    /// names when the network has class names), and <c>PredictedLabel</c>. A [C,H,W] float column is fed as it is; an
    /// image column (<c>LoadImages</c>) of any size is resized to the network's input and, for torchvision networks,
    /// normalised with ImageNet's mean and standard deviation.
    /// </summary>
    public static ApplyPretrainedNetworkEstimator ApplyPretrainedNetwork(this TransformsCatalog catalog, PretrainedNetwork network,
        string outputColumnName = "Score", string inputColumnName = "Features", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(network, outputColumnName, inputColumnName, predictedLabelColumnName);
    }

    /// <summary>
    /// Combines already-trained models (e.g. loaded from zips trained on different machines) into one that averages
    /// their class probabilities. Each is an <c>ImageCnn</c> model or a pipeline containing one; all must read the
    /// same image column and predict the same label keys.
    /// </summary>
    public static AverageEnsembleTransformer AverageEnsemble(this TransformsCatalog catalog, params ITransformer[] fittedMembers)
        => catalog.AverageEnsemble(EnsembleCombination.Mean, fittedMembers);

    /// <summary>Combines trained models by the arithmetic or geometric mean of their probabilities.</summary>
    public static AverageEnsembleTransformer AverageEnsemble(this TransformsCatalog catalog, EnsembleCombination combination,
        params ITransformer[] fittedMembers)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (combination == EnsembleCombination.WeightedMean)
            throw new ArgumentException("WeightedMean needs weights: use the overload that takes them.", nameof(combination));
        return new AverageEnsembleTransformer(fittedMembers, combination);
    }

    /// <summary>Combines trained models by the weighted mean Σ wᵢ·pᵢ / Σ wᵢ of their probabilities.</summary>
    public static AverageEnsembleTransformer AverageEnsemble(this TransformsCatalog catalog, double[] weights, params ITransformer[] fittedMembers)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AverageEnsembleTransformer(fittedMembers, EnsembleCombination.WeightedMean, weights);
    }
}
