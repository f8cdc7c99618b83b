using MLExtensions.Images;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>How one image is stored: <see cref="Values"/> floats, or as many bytes when the source is 8-bit.</summary>
internal sealed record ImageRowFormat(bool IsBytes, int StoredChannels, int Height, int Width)
{
    /// <summary>The format for <paramref name="shape"/>: 8-bit R, G, B planes when <paramref name="bytes"/>, else the network's float planes.</summary>
    internal static ImageRowFormat For(ImageShape shape, bool bytes)
        => new(bytes, bytes ? BytePixels.StoredChannels : shape.Channels, shape.Height, shape.Width);

    public int Values => StoredChannels * Height * Width;
    public int BytesPerValue => IsBytes ? 1 : sizeof(float);
    public long RowBytes => (long)Values * BytesPerValue;
    public ScalarType ElementType => IsBytes ? ScalarType.Byte : ScalarType.Float32;

    public override string ToString() => IsBytes ? "8-bit RGB" : "float";
}
