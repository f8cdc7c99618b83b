using SkiaSharp;

namespace MLExtensions.Diagnostics;

/// <summary>Images in a grid with a caption under each, saved as PNG (SkiaSharp).</summary>
internal static class ImageGrid
{
    internal const int Tile = 112, CaptionHeight = 34, DefaultColumns = 8;

    /// <summary>The PNG's size for <paramref name="count"/> images.</summary>
    internal static (int Width, int Height) SizeFor(int count, int columns = DefaultColumns)
        => (Math.Min(count, columns) * Tile, (int)Math.Ceiling(count / (double)columns) * (Tile + CaptionHeight));

    /// <param name="columns">Images per row; a null entry leaves its tile empty.</param>
    internal static void SavePng(IReadOnlyList<(float[] Pixels, ImageShape Shape, string Line1, string Line2, bool Highlight)?> images, string path,
        int columns = DefaultColumns)
    {
        var (width, height) = SizeFor(images.Count, columns);
        using var bitmap = new SKBitmap(new SKImageInfo(Math.Max(width, 1), Math.Max(height, 1), SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var font = new SKFont(SKTypeface.Default, 12);
            using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var alert = new SKPaint { Color = new SKColor(0xB0, 0x20, 0x20), IsAntialias = true };
            for (int i = 0; i < images.Count; i++)
            {
                if (images[i] is not var (pixels, shape, line1, line2, highlight))
                    continue;
                float x = i % columns * Tile, y = i / columns * (Tile + CaptionHeight);
                using var bitmapTile = ToBitmap(pixels, shape);
                using var image = SKImage.FromBitmap(bitmapTile);
                // Nearest neighbour: each of a small image's pixels shows as a sharp square.
                canvas.DrawImage(image, SKRect.Create(x + 4, y + 4, Tile - 8, Tile - 8), new SKSamplingOptions(SKFilterMode.Nearest));
                canvas.DrawText(Fit(line1), x + 4, y + Tile + 12, SKTextAlign.Left, font, text);
                canvas.DrawText(Fit(line2), x + 4, y + Tile + 27, SKTextAlign.Left, font, highlight ? alert : text);
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static string Fit(string line) => line.Length <= 17 ? line : line[..16] + "…";

    // Each image stretched to its own range (inputs may be standardized); one channel as grey.
    private static SKBitmap ToBitmap(float[] pixels, ImageShape shape)
    {
        float low = pixels.Min(), high = pixels.Max(), span = Math.Max(high - low, 1e-8f);
        var bitmap = new SKBitmap(new SKImageInfo(shape.Width, shape.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var rgba = new byte[shape.PlaneSize * 4];
        for (int p = 0; p < shape.PlaneSize; p++)
        {
            for (int c = 0; c < 3; c++)
                rgba[p * 4 + c] = (byte)Math.Round(255 * (pixels[(shape.Channels == 1 ? 0 : c) * shape.PlaneSize + p] - low) / span);
            rgba[p * 4 + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }
}
