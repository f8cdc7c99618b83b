using MLExtensions.Augmentation;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// An ordered list of random image augmentations with their probabilities and magnitude ranges, plus a seed.
/// Give it to <c>ImageCnnTrainer.Options.Augmentation</c>: every training batch is augmented on the training device
/// with fresh randomness (seeded, so runs are reproducible); prediction never is.
/// </summary>
/// <example><c>new ImageAugmentation(seed: 7).HorizontalFlip(0.5).RandomCrop(padding: 4).ColorJitter(brightness: 0.2, contrast: 0.2).RandomErasing(0.25)</c></example>
public sealed class ImageAugmentation
{
    private readonly List<AugmentationOp> _operations = [];

    /// <param name="seed">Seed of the augmentation randomness; null derives one from the trainer's seed.</param>
    public ImageAugmentation(int? seed = null) => Seed = seed;

    /// <summary>Seed of the augmentation randomness; null derives one from the trainer's seed.</summary>
    public int? Seed { get; }

    /// <summary>The operations, in the order applied.</summary>
    public IReadOnlyList<AugmentationOp> Operations => _operations;

    /// <summary>True when an operation blends labels (Mixup, CutMix).</summary>
    public bool MixesLabels => _operations.Any(o => o.MixesLabels);

    /// <summary>
    /// Mirror left-right with probability <paramref name="probability"/> (default 0.5). Not for images whose meaning
    /// depends on handedness (text, digits).
    /// </summary>
    public ImageAugmentation HorizontalFlip(double probability = 0.5) => Add(new FlipOp(horizontal: true, probability));

    /// <summary>
    /// Mirror upside down with probability <paramref name="probability"/> (default 0.5): for images without an up
    /// (aerial, microscopy).
    /// </summary>
    public ImageAugmentation VerticalFlip(double probability = 0.5) => Add(new FlipOp(horizontal: false, probability));

    /// <summary>
    /// Pad by <paramref name="padding"/> pixels and crop back at a random offset (a random translation by whole
    /// pixels).
    /// </summary>
    public ImageAugmentation RandomCrop(int padding, AugmentationPadding mode = AugmentationPadding.Zero, double probability = 1)
        => Add(new RandomCropOp(padding, mode, probability));

    /// <summary>
    /// Crop a random region of [<paramref name="minScale"/>, <paramref name="maxScale"/>] of the area (default 8 % to
    /// 100 %) and aspect ratio in [<paramref name="minRatio"/>, <paramref name="maxRatio"/>] (default 3/4 to 4/3), and
    /// resize it back to the full size: the ImageNet recipe. Needs 0 &lt; minScale ≤ maxScale ≤ 1.
    /// </summary>
    public ImageAugmentation RandomResizedCrop(double minScale = 0.08, double maxScale = 1, double minRatio = 3.0 / 4, double maxRatio = 4.0 / 3, double probability = 1)
        => Add(new RandomResizedCropOp(minScale, maxScale, minRatio, maxRatio, probability));

    /// <summary>
    /// Rotation by up to ±<paramref name="rotationDegrees"/>, translation by up to
    /// ±<paramref name="translateFraction"/> of the size, zoom in [<paramref name="minScale"/>,
    /// <paramref name="maxScale"/>], shear up to ±<paramref name="shearDegrees"/>.
    /// </summary>
    public ImageAugmentation Affine(double rotationDegrees = 0, double translateFraction = 0, double minScale = 1, double maxScale = 1,
        double shearDegrees = 0, AugmentationPadding padding = AugmentationPadding.Zero, double probability = 1)
        => Add(new AffineOp(rotationDegrees, translateFraction, minScale, maxScale, shearDegrees, padding, probability));

    /// <summary>Rotate by up to ±<paramref name="degrees"/> (≥ 0), drawn uniformly per image.</summary>
    public ImageAugmentation Rotation(double degrees, double probability = 1) => Affine(rotationDegrees: degrees, probability: probability);

    /// <summary>Shift by up to ±<paramref name="fraction"/> of the width and height, fraction in [0, 1].</summary>
    public ImageAugmentation Translation(double fraction, double probability = 1) => Affine(translateFraction: fraction, probability: probability);

    /// <summary>
    /// Zoom by a factor drawn from [<paramref name="minScale"/>, <paramref name="maxScale"/>] (0 &lt; minScale ≤
    /// maxScale).
    /// </summary>
    public ImageAugmentation Scale(double minScale, double maxScale, double probability = 1) => Affine(minScale: minScale, maxScale: maxScale, probability: probability);

    /// <summary>Shear by up to ±<paramref name="degrees"/>, in [0, 90).</summary>
    public ImageAugmentation Shear(double degrees, double probability = 1) => Affine(shearDegrees: degrees, probability: probability);

    /// <summary>
    /// Random brightness shift in ±<paramref name="brightness"/>, contrast and saturation factors in 1 ±
    /// <paramref name="contrast"/> / <paramref name="saturation"/> (each in [0, 1]), hue rotation by up to
    /// ±<paramref name="hue"/>·180° (hue in [0, 0.5]); 0 leaves that property alone. Saturation and hue need RGB
    /// images.
    /// </summary>
    public ImageAugmentation ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0, double probability = 1)
        => Add(new ColorJitterOp(brightness, contrast, saturation, hue, probability));

    /// <summary>
    /// AlexNet's lighting noise along the principal components of the training pixels' colours, with weights ~ N(0,
    /// <paramref name="standardDeviation"/>) (default 0.1, ≥ 0).
    /// </summary>
    public ImageAugmentation PcaLighting(double standardDeviation = 0.1, double probability = 1) => Add(new PcaLightingOp(standardDeviation, probability));

    /// <summary>
    /// Add independent Gaussian noise of standard deviation <paramref name="standardDeviation"/> (≥ 0, in the images'
    /// units) to every value.
    /// </summary>
    public ImageAugmentation GaussianNoise(double standardDeviation, double probability = 1) => Add(new GaussianNoiseOp(standardDeviation, probability));

    /// <summary>
    /// Cutout / random erasing of a rectangle covering [<paramref name="minArea"/>, <paramref name="maxArea"/>] of the
    /// image.
    /// </summary>
    public ImageAugmentation RandomErasing(double probability = 0.5, double minArea = 0.02, double maxArea = 0.33,
        double minRatio = 0.3, double maxRatio = 1 / 0.3, float value = 0)
        => Add(new RandomErasingOp(probability, minArea, maxArea, minRatio, maxRatio, value));

    /// <summary>
    /// RandAugment: <paramref name="count"/> operations per image, chosen at random from a fixed list of geometric and
    /// photometric operations, all at <paramref name="magnitude"/> (0 to 10).
    /// </summary>
    public ImageAugmentation RandAugment(int count = 2, int magnitude = 9) => Add(new RandAugmentOp(count, magnitude));

    /// <summary>Blend pairs of images and their labels, λ ~ Beta(α, α), per batch (trainer only).</summary>
    public ImageAugmentation Mixup(double alpha = 0.2, double probability = 1) => Add(new MixOp(cutMix: false, alpha, probability));

    /// <summary>
    /// Paste a box from another image of the batch, blending labels by area, λ ~ Beta(α, α) (trainer only).
    /// </summary>
    public ImageAugmentation CutMix(double alpha = 1, double probability = 1) => Add(new MixOp(cutMix: true, alpha, probability));

    private ImageAugmentation Add(AugmentationOp operation)
    {
        _operations.Add(operation);
        return this;
    }

    /// <summary>
    /// Writes a PNG grid of the first <paramref name="rows"/> images of <paramref name="column"/>, each followed by
    /// <paramref name="variants"/> augmented versions: look at your augmentations before training with them.
    /// </summary>
    public void Preview(Microsoft.ML.IDataView data, string column, string pngPath, int rows = 4, int variants = 8)
        => AugmentationPreview.Write(this, data, column, pngPath, rows, variants, Seed ?? 0);

    /// <summary>Throws when an operation cannot work on images of <paramref name="shape"/>.</summary>
    internal void Check(ImageShape shape)
    {
        foreach (var operation in _operations)
            operation.Check(shape);
    }

    /// <summary>Training images <see cref="Fit"/> needs at most.</summary>
    internal const int FitImages = PcaLightingOp.FitImages;

    /// <summary>True when an operation fits statistics of the training images before training.</summary>
    internal bool NeedsFit => _operations.OfType<PcaLightingOp>().Any();

    /// <summary>Fits what operations learn from the training images (PCA lighting's channel statistics).</summary>
    internal void Fit(Tensor trainingImages)
    {
        foreach (var operation in _operations.OfType<PcaLightingOp>())
            operation.Fit(trainingImages);
    }

    /// <summary>
    /// Augments a batch [N,C,H,W]; mixing operations also blend <paramref name="targets"/> (class distributions [N,K]).
    /// Call inside a dispose scope and without gradients.
    /// </summary>
    internal (Tensor Images, Tensor? Targets) Apply(Tensor images, Tensor? targets, AugmentationContext context)
    {
        foreach (var operation in _operations)
            if (operation is MixOp mix)
                (images, targets) = mix.Mix(images, targets, context);
            else
                images = operation.Apply(images, context);
        return (images, targets);
    }
}
