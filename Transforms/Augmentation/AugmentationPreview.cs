using Microsoft.ML;
using MLExtensions.Images;
using SkiaSharp;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// Writes a PNG grid to look at what a policy does: each row is a source image followed by augmented variants.
/// Values are mapped to grey levels (or RGB) with the source image's own minimum and maximum.
/// </summary>
internal static class AugmentationPreview
{
    private const int Zoom = 4, Gap = 2;

    internal static void Write(ImageAugmentation policy, IDataView data, string column, string pngPath, int rows, int variants, int seed)
    {
        if (rows < 1 || variants < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), "Preview needs at least one row and one variant.");
        var (imageColumn, shape) = ImageColumn.Resolve(data.Schema, column, null, allowMLImage: true);
        policy.Check(shape);
        var sources = new List<float[]>();
        using (var cursor = data.GetRowCursor([imageColumn]))
        {
            var reader = ImageReader.Create(cursor, imageColumn, shape);
            while (sources.Count < rows && cursor.MoveNext())
            {
                var image = new float[shape.Size];
                reader.Read(image);
                sources.Add(image);
            }
        }
        if (sources.Count == 0)
            throw new InvalidOperationException($"Column '{column}' has no rows to preview.");

        float[] augmented;
        Native.TorchRuntime.EnsureAvailable();
        using (var scope = NewDisposeScope())
        using (no_grad())
        using (var context = new AugmentationContext(seed, CPU))
        {
            var batch = tensor(sources.SelectMany(s => Enumerable.Repeat(s, variants)).SelectMany(v => v).ToArray(),
                [sources.Count * variants, shape.Channels, shape.Height, shape.Width]);
            policy.Fit(batch);
            augmented = policy.Apply(batch, null, context).Images.contiguous().data<float>().ToArray();
        }

        int tileW = shape.Width * Zoom, tileH = shape.Height * Zoom;
        using var bitmap = new SKBitmap((1 + variants) * (tileW + Gap), sources.Count * (tileH + Gap));
        bitmap.Erase(SKColors.White);
        for (int r = 0; r < sources.Count; r++)
        {
            float min = sources[r].Min(), max = sources[r].Max();
            Draw(bitmap, sources[r], 0, shape, 0, r, min, max);
            for (int v = 0; v < variants; v++)
                Draw(bitmap, augmented, (r * variants + v) * shape.Size, shape, 1 + v, r, min, max);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pngPath))!);
        using var png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(pngPath);
        png.SaveTo(file);
    }

    private static void Draw(SKBitmap bitmap, float[] values, int offset, ImageShape shape, int column, int row, float min, float max)
    {
        float range = max > min ? max - min : 1;
        byte Level(int channel, int y, int x)
            => (byte)Math.Clamp((values[offset + channel * shape.PlaneSize + y * shape.Width + x] - min) / range * 255, 0, 255);
        int left = column * (shape.Width * Zoom + Gap), top = row * (shape.Height * Zoom + Gap);
        for (int y = 0; y < shape.Height; y++)
            for (int x = 0; x < shape.Width; x++)
            {
                var colour = shape.Channels >= 3
                    ? new SKColor(Level(0, y, x), Level(1, y, x), Level(2, y, x))
                    : new SKColor(Level(0, y, x), Level(0, y, x), Level(0, y, x));
                for (int dy = 0; dy < Zoom; dy++)
                    for (int dx = 0; dx < Zoom; dx++)
                        bitmap.SetPixel(left + x * Zoom + dx, top + y * Zoom + dy, colour);
            }
    }
}
