using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLExtensions.Images;

/// <summary>
/// 8-bit images kept as planar R, G, B bytes (alpha dropped) and turned into the network's float input: scaled to
/// [0, 1], and for one channel the luma 0.299R + 0.587G + 0.114B. The CPU and the tensor version do the same float
/// operations in the same order, so an image converted either way has the same bits.
/// </summary>
internal static class BytePixels
{
    /// <summary>Planes stored per image, whatever the network's channel count.</summary>
    internal const int StoredChannels = 3;

    private const float Scale = 1f / 255;
    private const float RedWeight = 0.299f, GreenWeight = 0.587f, BlueWeight = 0.114f;

    /// <summary>Writes <paramref name="image"/>'s R, G and B planes (H×W bytes each) into <paramref name="destination"/>.</summary>
    internal static void ReadPlanes(MLImage image, Span<byte> destination, string column, long row)
    {
        var pixels = image.Pixels;
        int plane = image.Width * image.Height;
        if (pixels.Length != plane * 4)
            throw new InvalidOperationException($"Column '{column}': unsupported pixel layout ({pixels.Length} bytes for {plane} pixels) at row {row}.");
        FromInterleaved(pixels, bgra: image.PixelFormat == MLPixelFormat.Bgra32, destination);
    }

    /// <summary>Interleaved 4-byte pixels (RGBA, or BGRA when <paramref name="bgra"/>) as R, G and B planes; alpha is dropped.</summary>
    internal static void FromInterleaved(ReadOnlySpan<byte> pixels, bool bgra, Span<byte> destination)
    {
        int plane = pixels.Length / 4, red = bgra ? 2 : 0, blue = bgra ? 0 : 2;
        for (int p = 0; p < plane; p++)
        {
            destination[p] = pixels[4 * p + red];
            destination[plane + p] = pixels[4 * p + 1];
            destination[2 * plane + p] = pixels[4 * p + blue];
        }
    }

    /// <summary>One image's stored planes as <paramref name="channels"/> float planes.</summary>
    internal static void ToFloats(ReadOnlySpan<byte> planes, int channels, Span<float> destination)
    {
        int plane = planes.Length / StoredChannels;
        for (int p = 0; p < plane; p++)
        {
            float r = planes[p] * Scale, g = planes[plane + p] * Scale, b = planes[2 * plane + p] * Scale;
            if (channels == 1)
                destination[p] = RedWeight * r + GreenWeight * g + BlueWeight * b;
            else
            {
                destination[p] = r;
                destination[plane + p] = g;
                destination[2 * plane + p] = b;
            }
        }
    }

    /// <summary>Stored planes N×3×H×W (uint8, on any device) as N×<paramref name="channels"/>×H×W floats on that device.</summary>
    internal static Tensor ToFloats(Tensor planes, int channels)
    {
        using var scope = NewDisposeScope();
        var scaled = planes.to(ScalarType.Float32).mul_(Scale);
        if (channels == 3)
            return scaled.MoveToOuterDisposeScope();
        var luma = scaled.narrow(1, 0, 1).mul(RedWeight)
            .add_(scaled.narrow(1, 1, 1).mul(GreenWeight))
            .add_(scaled.narrow(1, 2, 1).mul(BlueWeight));
        return luma.MoveToOuterDisposeScope();
    }
}
