using System.Buffers.Binary;
using System.IO.Compression;

namespace MLExtensions.Data;

/// <summary>Reads IDX files (the MNIST format: big-endian header, unsigned bytes), gzipped or not.</summary>
internal static class IdxFile
{
    internal sealed record Contents(int[] Dimensions, byte[] Data);

    internal static Contents Read(string path)
    {
        using var file = File.OpenRead(path);
        return Read(file, path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase), path);
    }

    internal static Contents Read(Stream stream, bool gzipped, string description)
    {
        using var source = gzipped ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        using var memory = new MemoryStream();
        source.CopyTo(memory);
        var bytes = memory.GetBuffer().AsSpan(0, (int)memory.Length);

        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{description} is not an IDX file (bad magic number).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{description} holds IDX element type 0x{bytes[2]:x2}; only unsigned bytes (0x08) are supported.");
        int rank = bytes[3];
        int headerSize = 4 + 4 * rank;
        if (rank == 0 || bytes.Length < headerSize)
            throw new InvalidDataException($"{description} has a truncated IDX header.");
        var dimensions = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            count *= dimensions[i];
        }
        if (bytes.Length - headerSize != count)
            throw new InvalidDataException(
                $"{description} declares dimensions [{string.Join(", ", dimensions)}] ({count} bytes) but holds {bytes.Length - headerSize} data bytes.");
        return new Contents(dimensions, bytes[headerSize..].ToArray());
    }
}
