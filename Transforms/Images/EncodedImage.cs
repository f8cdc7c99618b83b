using SkiaSharp;

namespace MLExtensions.Images;

/// <summary>
/// Decodes an encoded image (JPEG, PNG, WebP, BMP, GIF; grey, RGB, RGBA or CMYK) with SkiaSharp and resizes it to
/// the network's size with <see cref="ImageResizing"/>.
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
        ImageResizing.CoverAndCrop(decoded, width, height, planes);
        return true;
    }
}
