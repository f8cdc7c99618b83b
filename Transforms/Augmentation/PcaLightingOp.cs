using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// AlexNet's PCA lighting noise: adds Σᵢ αᵢ λᵢ pᵢ to every pixel, where pᵢ, λᵢ are the eigenvectors and eigenvalues of
/// the channel covariance of the training pixels and αᵢ ~ N(0, <see cref="StandardDeviation"/>) per image.
/// The trainer fits the eigen decomposition on its training data before the first epoch.
/// </summary>
public sealed class PcaLightingOp : AugmentationOp
{
    private float[]? _eigenvalues;
    private float[]? _eigenvectors;

    internal PcaLightingOp(double standardDeviation, double probability) : base(probability)
    {
        if (standardDeviation < 0)
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), "The lighting standard deviation cannot be negative.");
        StandardDeviation = standardDeviation;
    }

    /// <summary>Standard deviation of the weights αᵢ of the principal components.</summary>
    public double StandardDeviation { get; }

    /// <summary>Eigenvalues of the fitted channel covariance (ascending), or null before fitting.</summary>
    public IReadOnlyList<float>? Eigenvalues => _eigenvalues;

    // A C×C covariance is estimated well from this many images; using all would copy the whole set in double.
    internal const int FitImages = 10_000;

    /// <summary>
    /// Fits the channel covariance's eigen decomposition on (at most the first 10,000) training images [N,C,H,W].
    /// </summary>
    internal void Fit(Tensor images)
    {
        using var scope = NewDisposeScope();
        long c = images.shape[1];
        var pixels = images.narrow(0, 0, Math.Min(images.shape[0], FitImages)).transpose(0, 1).reshape(c, -1).to(ScalarType.Float64);
        var centred = pixels - pixels.mean([1], keepdim: true);
        var covariance = centred.matmul(centred.t()) / pixels.shape[1];
        var (values, vectors) = linalg.eigh(covariance);
        _eigenvalues = values.to(ScalarType.Float32).cpu().data<float>().ToArray();
        _eigenvectors = vectors.to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
    {
        if (_eigenvalues is null || _eigenvectors is null)
            throw new InvalidOperationException("PcaLighting needs the training pixels' channel statistics; ImageCnn fits them before training.");
        long n = images.shape[0], c = images.shape[1];
        var alpha = context.Normal([n, c]) * StandardDeviation;
        var values = tensor(_eigenvalues).ToDevice(images.device);
        var vectors = tensor(_eigenvectors, [c, c]).ToDevice(images.device);
        var shift = (alpha * values).matmul(vectors.t()).view(n, c, 1, 1);
        return Select(context.Chance(n, Probability), images + shift, images);
    }
}
