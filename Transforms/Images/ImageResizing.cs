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
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(target))
        {
            using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
            using var image = SKImage.FromBitmap(source);
            canvas.DrawImage(image, CoveringRectangle(source.Width, source.Height, width, height), Sampling, paint);
        }
        BytePixels.FromInterleaved(target.GetPixelSpan(), bgra: false, planes);
    }

    /// <summary>
    /// Where the scaled image lands on the target: whole pixels, as ML.NET's crop resize computes them (float scale,
    /// size and offset truncated) and as torchvision's integer-sized Resize then CenterCrop give them; a fractional
    /// size or offset would shift every pixel by a fraction.
    /// </summary>
    internal static SKRect CoveringRectangle(int sourceWidth, int sourceHeight, int width, int height)
    {
        float widthScale = (float)width / sourceWidth, heightScale = (float)height / sourceHeight;
        float scale = Math.Max(widthScale, heightScale);
        int left = heightScale < widthScale ? 0 : (int)((width - sourceWidth * scale) / 2);
        int top = heightScale < widthScale ? (int)((height - sourceHeight * scale) / 2) : 0;
        return SKRect.Create(left, top, (int)(sourceWidth * scale), (int)(sourceHeight * scale));
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
