using Microsoft.ML.Data;
using MLExtensions.Images;

namespace MLExtensions.Cnn;

/// <summary>
/// Encoded images (<c>LoadRawImageBytes</c> rows) gathered from a cursor and decoded to 8-bit planes a chunk at a
/// time on several threads, since decoding, not reading, is the slow part of a pass over image files.
/// </summary>
internal sealed class EncodedImageBatch(ImageShape shape, int capacity, int threads)
{
    private readonly int _rowBytes = BytePixels.StoredChannels * shape.PlaneSize;
    private readonly byte[][] _encoded = new byte[capacity][];
    private readonly byte[] _planes = new byte[(long)capacity * BytePixels.StoredChannels * shape.PlaneSize];
    private readonly bool[] _readable = new bool[capacity];
    private readonly (long Row, long Label, string? File)[] _rows = new (long, long, string?)[capacity];

    public int Count { get; private set; }
    public bool IsFull => Count == capacity;

    internal void Add(VBuffer<byte> encoded, long row, long label, string? file)
    {
        _encoded[Count] = encoded.GetValues().ToArray();
        _rows[Count++] = (row, label, file);
    }

    /// <summary>Decodes the gathered images, hands each to <paramref name="take"/> in order (null planes: unreadable), and empties the batch.</summary>
    internal void Decode(ImageTake take)
    {
        Parallel.For(0, Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            i => _readable[i] = EncodedImage.TryDecode(_encoded[i], shape.Width, shape.Height, _planes.AsSpan(i * _rowBytes, _rowBytes)));
        for (int i = 0; i < Count; i++)
        {
            var (row, label, file) = _rows[i];
            take(row, label, file, _readable[i] ? _planes.AsSpan(i * _rowBytes, _rowBytes) : default, _readable[i]);
            _encoded[i] = [];
        }
        Count = 0;
    }

    internal delegate void ImageTake(long row, long label, string? file, ReadOnlySpan<byte> planes, bool readable);
}
