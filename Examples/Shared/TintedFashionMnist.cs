using Microsoft.ML;
using MLExtensions;
using SkiaSharp;

namespace Examples.Shared;

/// <summary>
/// A folder of genuinely colour "photos" made from Fashion-MNIST: each garment scaled up to the requested size and
/// painted in a random colour over a random background colour with some noise, saved as JPEG in
/// <c>root/&lt;class&gt;/NNNNN.jpg</c>, the layout <c>LoadImagesFromFolder</c> reads.
/// </summary>
internal static class TintedFashionMnist
{
    /// <summary>Writes the first <paramref name="count"/> images of <paramref name="source"/> (unless the folder already holds them) and returns how many there are.</summary>
    internal static int WriteFolder(MLContext ml, IDataView source, string root, int count, int size, int seed)
    {
        var marker = Path.Combine(root, $".complete-{count}-{size}-{seed}");
        if (File.Exists(marker))
            return count;
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        var images = ml.Data.CreateEnumerable<FashionMnistImage>(source, reuseRowObject: false).Take(count).ToArray();
        foreach (var label in images.Select(i => i.Label).Distinct())
            Directory.CreateDirectory(Path.Combine(root, FolderName(label)));
        int written = 0;
        Parallel.For(0, images.Length, i =>
        {
            var random = new Random(HashCode.Combine(seed, i));
            File.WriteAllBytes(Path.Combine(root, FolderName(images[i].Label), $"{i:D5}.jpg"), Paint(images[i].Features, size, random));
            if (Interlocked.Increment(ref written) % 5000 == 0)
                Console.WriteLine($"  wrote {written} of {images.Length} images to {root}");
        });
        File.WriteAllText(marker, "");
        return images.Length;
    }

    /// <summary>"T-shirt/top" → "T-shirt-top": class names as folder names.</summary>
    internal static string FolderName(string label) => label.Replace('/', '-');

    private static byte[] Paint(float[] garment, int size, Random random)
    {
        var (garmentColour, background) = (RandomColour(random), RandomColour(random));
        using var grey = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        var greyPixels = garment.Select(v => (byte)Math.Round(v * 255)).ToArray();
        System.Runtime.InteropServices.Marshal.Copy(greyPixels, 0, grey.GetPixels(), greyPixels.Length);
        using var scaled = grey.Resize(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var photo = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var coverage = scaled.GetPixelSpan();
        var rgba = new byte[size * size * 4];
        for (int p = 0; p < size * size; p++)
        {
            float g = coverage[p] / 255f;
            for (int c = 0; c < 3; c++)
                rgba[4 * p + c] = (byte)Math.Clamp(g * garmentColour[c] + (1 - g) * background[c] + random.Next(-12, 13), 0, 255);
            rgba[4 * p + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, photo.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(photo);
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return jpeg.ToArray();
    }

    private static byte[] RandomColour(Random random) => [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
}
