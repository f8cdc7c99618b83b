using SkiaSharp;

namespace MLExtensions.Images;

/// <summary>
/// Decodes an encoded image (JPEG, PNG, WebP, BMP, GIF; grey, RGB, RGBA or CMYK) with SkiaSharp and resizes it to
/// the network's size the way ML.NET's <c>ResizeImages</c> does by default and torchvision's Resize + CenterCrop
/// do: scaled so that it covers the target, then cropped to it around the centre.
/// </summary>
internal static class EncodedImage
{
    /// <summary>
    /// Writes the image's R, G, B planes at <paramref name="width"/>×<paramref name="height"/> (see <see cref="BytePixels"/>)
    /// into <paramref name="planes"/>; false when the bytes are not a readable image.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> encoded, int width, int height, Span<byte> planes)
    {
        if (encoded.IsEmpty)
            return false;
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            return false;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        // A truncated file decodes with its missing rows filled in (IncompleteInput): unreadable, not trained on.
        if (result != SKCodecResult.Success)
            return false;
        using var resized = CoverAndCrop(decoded, width, height);
        CopyPlanes(resized, planes);
        return true;
    }

    private static SKBitmap CoverAndCrop(SKBitmap source, int width, int height)
    {
        double scale = Math.Max((double)width / source.Width, (double)height / source.Height);
        var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var canvas = new SKCanvas(target);
        float drawnWidth = (float)(source.Width * scale), drawnHeight = (float)(source.Height * scale);
        var destination = SKRect.Create((width - drawnWidth) / 2, (height - drawnHeight) / 2, drawnWidth, drawnHeight);
        using var paint = new SKPaint { FilterQuality = SKFilterQuality.High, BlendMode = SKBlendMode.Src };
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, destination, paint);
        return target;
    }

    private static void CopyPlanes(SKBitmap image, Span<byte> planes)
    {
        var pixels = image.GetPixelSpan();
        int plane = image.Width * image.Height;
        for (int p = 0; p < plane; p++)
        {
            planes[p] = pixels[4 * p];
            planes[plane + p] = pixels[4 * p + 1];
            planes[2 * plane + p] = pixels[4 * p + 2];
        }
    }
}
