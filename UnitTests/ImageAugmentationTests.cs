using MLExtensions.Augmentation;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageAugmentationTests
{
    private static Tensor Batch(long n = 64, long channels = 1, long size = 28, int seed = 3)
    {
        ComputeDeviceResolver.Resolve(ComputeDevice.Cpu);
        random.manual_seed(seed);
        return rand(n, channels, size, size) + 0.5f; // strictly positive: erased (zero) pixels are recognisable
    }

    private static Tensor Run(ImageAugmentation policy, Tensor images, long seed = 11)
    {
        using var context = new AugmentationContext(seed, CPU);
        using var noGrad = no_grad();
        return policy.Apply(images, null, context).Images.DetachFromDisposeScope();
    }

    [TestMethod]
    public void EveryOperationIsTheIdentityAtMagnitudeZero()
    {
        var x = Batch(channels: 3);
        var policies = new Dictionary<string, ImageAugmentation>
        {
            ["flip p=0"] = new ImageAugmentation().HorizontalFlip(0).VerticalFlip(0),
            ["crop padding 0"] = new ImageAugmentation().RandomCrop(0),
            ["resized crop of the whole image"] = new ImageAugmentation().RandomResizedCrop(1, 1, 1, 1),
            ["affine 0"] = new ImageAugmentation().Affine(),
            ["jitter 0"] = new ImageAugmentation().ColorJitter(),
            ["noise 0"] = new ImageAugmentation().GaussianNoise(0),
            ["erasing p=0"] = new ImageAugmentation().RandomErasing(0),
            ["mixup p=0"] = new ImageAugmentation().Mixup(probability: 0),
            ["RandAugment magnitude 0"] = new ImageAugmentation().RandAugment(3, 0),
        };
        foreach (var (name, policy) in policies)
            Assert.IsTrue(Run(policy, x).allclose(x, rtol: 0, atol: 1e-5), name);
    }

    [TestMethod]
    public void FlippingTwiceIsTheIdentityAndOnceMirrors()
    {
        var x = Batch();
        var once = Run(new ImageAugmentation().HorizontalFlip(1), x);
        Assert.IsTrue(once.eq(x.flip(3)).all().item<bool>());
        Assert.IsTrue(Run(new ImageAugmentation().HorizontalFlip(1).HorizontalFlip(1), x).eq(x).all().item<bool>());
        Assert.IsTrue(Run(new ImageAugmentation().VerticalFlip(1).VerticalFlip(1), x).eq(x).all().item<bool>());
    }

    [TestMethod]
    public void FlipRateMatchesItsProbability()
    {
        var x = Batch(n: 10000, size: 4);
        var flipped = Run(new ImageAugmentation().HorizontalFlip(0.3), x);
        double rate = flipped.ne(x).flatten(1).any(1).to(ScalarType.Float32).mean().item<float>();
        Assert.AreEqual(0.3, rate, 0.015, "10,000 draws: the flip rate is within 3.3 standard deviations of p");
    }

    [TestMethod]
    public void CropsKeepTheShapeAndTranslateByWholePixels()
    {
        var x = Batch();
        foreach (var policy in new[] { new ImageAugmentation().RandomCrop(4), new ImageAugmentation().RandomCrop(4, AugmentationPadding.Reflect),
                                        new ImageAugmentation().RandomResizedCrop(), new ImageAugmentation().Affine(15, 0.1, 0.9, 1.1, 10) })
            CollectionAssert.AreEqual(x.shape, Run(policy, x).shape);

        // Zero-padded crops: every output is a shifted window of its input (values either copied or zero).
        var cropped = Run(new ImageAugmentation().RandomCrop(4), x);
        for (int i = 0; i < 8; i++)
        {
            var image = cropped[i, 0];
            bool found = false;
            for (int dy = -4; dy <= 4 && !found; dy++)
                for (int dx = -4; dx <= 4 && !found; dx++)
                {
                    var shifted = nn.functional.pad(x[i, 0].unsqueeze(0), (4, 4, 4, 4))[0].narrow(0, 4 + dy, 28).narrow(1, 4 + dx, 28);
                    found = shifted.eq(image).all().item<bool>();
                }
            Assert.IsTrue(found, $"image {i} is not a translated window of its source");
        }
    }

    [TestMethod]
    public void BrightnessShiftsEachImageMeanByItsDrawAndStaysInRange()
    {
        var x = Batch();
        var y = Run(new ImageAugmentation().ColorJitter(brightness: 0.2), x);
        var shift = (y - x).flatten(1);
        var perImage = shift.mean([1]);
        Assert.IsTrue((shift - perImage.unsqueeze(1)).abs().max().item<float>() < 1e-5, "brightness adds one constant per image");
        Assert.IsTrue(perImage.abs().max().item<float>() <= 0.2 + 1e-6, "shifts stay within ±0.2");
        Assert.IsTrue(perImage.std().item<float>() > 0.05, "shifts vary between images");
        Assert.AreEqual(0.0, perImage.mean().item<float>(), 0.05, "brightness shifts are centred on zero");
    }

    [TestMethod]
    public void SaturationAndHueKeepTheGreyLevelAndNeedRgb()
    {
        var x = Batch(channels: 3);
        var y = Run(new ImageAugmentation().ColorJitter(hue: 0.5), x);
        Tensor Luma(Tensor t) => t[.., 0] * 0.299 + t[.., 1] * 0.587 + t[.., 2] * 0.114;
        Assert.IsTrue(Luma(y).allclose(Luma(x), atol: 2e-3), "a hue rotation keeps each pixel's luma");
        Assert.IsFalse(y.allclose(x, atol: 1e-3), "hue rotation changed nothing");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().ColorJitter(saturation: 0.3).Check(new ImageShape(1, 28, 28)));
        StringAssert.Contains(e.Message, "3 (RGB) channels");
    }

    [TestMethod]
    public void ErasingZeroesTheExpectedFraction()
    {
        var x = Batch();
        var y = Run(new ImageAugmentation().RandomErasing(probability: 1, minArea: 0.25, maxArea: 0.25, minRatio: 1, maxRatio: 1), x);
        var erased = y.eq(0).flatten(1).sum(1);
        Assert.IsTrue(erased.eq(14 * 14).all().item<bool>(), "a quarter of 28×28 as a square is 14×14 pixels");
        Assert.IsTrue(y.ne(0).logical_and(y.ne(x)).sum().item<long>() == 0, "pixels outside the box are untouched");

        var half = Run(new ImageAugmentation().RandomErasing(probability: 0.5, minArea: 0.25, maxArea: 0.25, minRatio: 1, maxRatio: 1), Batch(n: 2000, size: 8));
        double rate = half.eq(0).flatten(1).any(1).to(ScalarType.Float32).mean().item<float>();
        Assert.AreEqual(0.5, rate, 0.04);
    }

    [TestMethod]
    public void MixupAndCutMixBlendLabelsThatStillSumToOne()
    {
        var x = Batch(n: 32);
        var labels = randint(0, 10, 32);
        var targets = nn.functional.one_hot(labels, 10).to(ScalarType.Float32);
        foreach (var policy in new[] { new ImageAugmentation(seed: 1).Mixup(alpha: 0.4), new ImageAugmentation(seed: 1).CutMix(alpha: 1) })
        {
            using var context = new AugmentationContext(5, CPU);
            var (images, mixed) = policy.Apply(x, targets, context);
            Assert.IsNotNull(mixed);
            Assert.IsTrue(mixed.sum(1).allclose(ones(32)), "label distributions sum to 1");
            Assert.IsTrue((mixed.amax([1]) < 1).any().item<bool>(), "no label was blended");
            CollectionAssert.AreEqual(x.shape, images.shape);
            Assert.IsTrue(policy.MixesLabels);
        }
    }

    [TestMethod]
    public void PcaLightingShiftsAlongTheFittedPrincipalComponents()
    {
        var x = Batch(channels: 3);
        var policy = new ImageAugmentation().PcaLighting(0.5);
        Assert.ThrowsExactly<InvalidOperationException>(() => Run(policy, x), "unfitted PCA lighting must refuse to run");
        policy.Fit(x);
        var op = (PcaLightingOp)policy.Operations[0];
        Assert.AreEqual(3, op.Eigenvalues!.Count);
        Assert.IsTrue(op.Eigenvalues.All(v => v > 0));
        var shift = (Run(policy, x) - x);
        Assert.IsTrue((shift - shift.mean([2, 3], keepdim: true)).abs().max().item<float>() < 1e-5, "one shift per image and channel");
    }

    [TestMethod]
    public void SameSeedSameOutputDifferentSeedDifferentOutput()
    {
        var x = Batch(channels: 3);
        ImageAugmentation Policy() => new ImageAugmentation().HorizontalFlip().RandomCrop(4).RandomResizedCrop(0.5).Affine(10, 0.1, 0.9, 1.1, 5)
            .ColorJitter(0.2, 0.2, 0.2, 0.05).GaussianNoise(0.05).RandomErasing(0.5).Mixup();
        var a = Run(Policy(), x, seed: 1);
        Assert.IsTrue(a.eq(Run(Policy(), x, seed: 1)).all().item<bool>());
        Assert.IsFalse(a.allclose(Run(Policy(), x, seed: 2)));
    }

    [TestMethod]
    public void RandAugmentAppliesDifferentOperationsToDifferentImages()
    {
        var x = Batch(n: 200);
        var y = Run(new ImageAugmentation().RandAugment(1, 9), x);
        CollectionAssert.AreEqual(x.shape, y.shape);
        var changed = y.ne(x).flatten(1).any(1);
        double unchanged = 1 - changed.to(ScalarType.Float32).mean().item<float>();
        Assert.AreEqual(1 / 8.0, unchanged, 0.08, "one of the 8 candidates is the identity");
        var brightened = (y - x).flatten(1);
        bool someUniformShift = Enumerable.Range(0, 200).Any(i => changed[i].item<bool>() && (brightened[i] - brightened[i].mean()).abs().max().item<float>() < 1e-5);
        Assert.IsTrue(someUniformShift, "no image got the brightness operation");
        Assert.IsTrue(Run(new ImageAugmentation().RandAugment(2, 9), x, seed: 4).eq(Run(new ImageAugmentation().RandAugment(2, 9), x, seed: 4)).all().item<bool>());
    }

    [TestMethod]
    public void InvalidMagnitudesAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().HorizontalFlip(1.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().RandomCrop(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().Scale(0, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().RandomErasing(minArea: 0.5, maxArea: 0.2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().Mixup(alpha: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().RandAugment(2, 11));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation().RandomCrop(30, AugmentationPadding.Reflect).Check(new ImageShape(1, 28, 28)));
    }
}
