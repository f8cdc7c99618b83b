namespace MLExtensions;

/// <summary>The shape of one image stored as a planar (channel-major, C×H×W) float vector.</summary>
public sealed record ImageShape
{
    /// <summary>A planar image shape; every size must be at least 1.</summary>
    /// <param name="channels">1 for grey, 3 for RGB.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    public ImageShape(int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"Image dimensions must be positive, got {channels}×{height}×{width}.");
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels C (1 for grey, 3 for RGB).</summary>
    public int Channels { get; }

    /// <summary>Height H in pixels.</summary>
    public int Height { get; }

    /// <summary>Width W in pixels.</summary>
    public int Width { get; }

    /// <summary>Values per image: C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Values per channel plane: H·W.</summary>
    public int PlaneSize => Height * Width;

    /// <inheritdoc />
    public override string ToString() => $"[{Channels}, {Height}, {Width}]";
}
