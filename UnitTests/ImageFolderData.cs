using SkiaSharp;

namespace MLExtensions.UnitTests;

/// <summary>
/// A generated folder of photos in class sub-folders: red, green and blue tinted noise as JPEGs and PNGs of mixed
/// sizes (some greyscale, some with transparency), plus files that are not images and images that are broken.
/// </summary>
internal sealed class ImageFolderData : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <summary>Class folder names, in the ordinal order the loader lists them.</summary>
    public static readonly string[] Classes = ["Blue", "green", "red"];

    public string Root => _directory.Path;

    public ImageFolderData(int perClass, int seed, bool broken = false)
    {
        var random = new Random(seed);
        foreach (var name in Classes)
        {
            var folder = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
            for (int i = 0; i < perClass; i++)
            {
                int width = 20 + random.Next(30), height = 20 + random.Next(30);
                bool png = i % 4 == 3;
                File.WriteAllBytes(Path.Combine(folder, $"photo{i:D3}.{(png ? "png" : "jpg")}"), Tinted(name, width, height, random, png));
            }
            File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");
        }
        if (broken)
        {
            File.WriteAllBytes(Path.Combine(Root, "red", "zz-corrupt.jpg"), [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 7))]);
            var whole = File.ReadAllBytes(Path.Combine(Root, "green", "photo000.jpg"));
            File.WriteAllBytes(Path.Combine(Root, "green", "zz-truncated.jpg"), whole[..(whole.Length / 2)]);
        }
    }

    public int ImageCount => Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Count(f => !f.EndsWith(".txt"));

    /// <summary>Encoded pixels tinted toward the class's colour; PNGs get partial transparency.</summary>
    internal static byte[] Tinted(string label, int width, int height, Random random, bool png)
    {
        int channel = Array.IndexOf(Classes, label) switch { 0 => 2, 1 => 1, _ => 0 };
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = TintedNoise.Rgba(random, width, height, channel, tint: 0xC0, translucent: png);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 92);
        return encoded.ToArray();
    }

    /// <summary>A greyscale (one-component) JPEG of a single value.</summary>
    internal static byte[] GreyJpeg(byte value, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(value, value, value));
        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, 95);
        return encoded.ToArray();
    }

    public void Dispose() => _directory.Dispose();
}
