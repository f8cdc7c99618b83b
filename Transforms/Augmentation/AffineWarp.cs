using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>Resamples each image of a batch through its own 2×3 affine map (output → input, normalised coordinates).</summary>
internal static class AffineWarp
{
    internal static Tensor Apply(Tensor images, float[] thetas, AugmentationPadding padding)
    {
        long n = images.shape[0];
        var theta = tensor(thetas, [n, 2, 3]).ToDevice(images.device);
        var grid = nn.functional.affine_grid(theta, images.shape, align_corners: false);
        return nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear,
            padding == AugmentationPadding.Reflect ? GridSamplePaddingMode.Reflection : GridSamplePaddingMode.Zeros, align_corners: false);
    }

    internal static readonly float[] Identity = [1, 0, 0, 0, 1, 0];

    /// <summary>Warps each image, with <paramref name="probability"/>, through a map drawn by <paramref name="draw"/>; the others stay.</summary>
    internal static Tensor ApplyPerImage(Tensor images, double probability, Random random, Func<float[]> draw, AugmentationPadding padding)
    {
        long n = images.shape[0];
        var thetas = new float[n * 6];
        for (long i = 0; i < n; i++)
            (random.NextDouble() < probability ? draw() : Identity).CopyTo(thetas, i * 6);
        return Apply(images, thetas, padding);
    }
}
