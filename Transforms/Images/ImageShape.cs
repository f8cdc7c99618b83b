namespace MLExtensions;

/// <summary>The shape of one image stored as a planar (channel-major, C×H×W) float vector.</summary>
public sealed record ImageShape
{
    public ImageShape(int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"Image dimensions must be positive, got {channels}×{height}×{width}.");
        Channels = channels;
        Height = height;
        Width = width;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Values per image: C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Values per channel plane: H·W.</summary>
    public int PlaneSize => Height * Width;

    public override string ToString() => $"[{Channels}, {Height}, {Width}]";
}
