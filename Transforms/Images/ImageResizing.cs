using Microsoft.ML.Data;
using SkiaSharp;

namespace MLExtensions.Images;

/// <summary>
/// Resizes an image to the network's size the way ML.NET's <c>ResizeImages</c> does by default and torchvision's
/// Resize + CenterCrop do: scaled so that it covers the target, then cropped to it around the centre; the result is
/// written as R, G, B planes (<see cref="BytePixels"/>).
/// </summary>
internal static class ImageResizing
{
    /// <summary>Bicubic (Mitchell), as ML.NET 6's MLImage resizes with padding or cropping.</summary>
    private static readonly SKSamplingOptions Sampling = new(SKCubicResampler.Mitchell);

    internal static void CoverAndCrop(SKBitmap source, int width, int height, Span<byte> planes)
    {
        double scale = Math.Max((double)width / source.Width, (double)height / source.Height);
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(target))
        {
            float drawnWidth = (float)(source.Width * scale), drawnHeight = (float)(source.Height * scale);
            var destination = SKRect.Create((width - drawnWidth) / 2, (height - drawnHeight) / 2, drawnWidth, drawnHeight);
            using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
            using var image = SKImage.FromBitmap(source);
            canvas.DrawImage(image, destination, Sampling, paint);
        }
        BytePixels.FromInterleaved(target.GetPixelSpan(), bgra: false, planes);
    }

    /// <summary>An <see cref="MLImage"/> of any size, resized as above.</summary>
    internal static void CoverAndCrop(MLImage image, int width, int height, Span<byte> planes)
    {
        var colourType = image.PixelFormat == MLPixelFormat.Bgra32 ? SKColorType.Bgra8888 : SKColorType.Rgba8888;
        using var source = new SKBitmap(new SKImageInfo(image.Width, image.Height, colourType, SKAlphaType.Unpremul));
        var pixels = image.Pixels.ToArray();
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, source.GetPixels(), pixels.Length);
        CoverAndCrop(source, width, height, planes);
    }
}
