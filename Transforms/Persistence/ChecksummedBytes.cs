using System.Security.Cryptography;

namespace MLExtensions.Persistence;

/// <summary>
/// A block of bytes inside a model zip, length-prefixed and followed by their SHA-256, so that damage to them (a
/// flipped bit, a truncated copy) fails the load with a message naming what is damaged, instead of loading something
/// else silently.
/// </summary>
internal static class ChecksummedBytes
{
    private const int ChecksumBytes = 32;

    internal static void Write(BinaryWriter writer, byte[] bytes)
    {
        writer.Write((long)bytes.Length);
        writer.Write(bytes);
        writer.Write(SHA256.HashData(bytes));
    }

    /// <summary>Reads what <see cref="Write"/> wrote, checking the checksum.</summary>
    /// <param name="what">What the bytes are, as the errors' subject: "The model's network weights".</param>
    /// <param name="hasChecksum">False for bytes written before the checksum was kept (length-prefixed only).</param>
    internal static byte[] Read(BinaryReader reader, string what, bool hasChecksum = true)
    {
        long length = reader.ReadInt64();
        if (length < 0 || length > int.MaxValue)
            throw new InvalidDataException($"{what} are damaged: their length reads as {length} bytes. Save the model again from its source.");
        var bytes = reader.ReadBytes((int)length);
        if (bytes.Length != length)
            throw new InvalidDataException($"{what} are truncated ({bytes.Length} of {length} bytes). Save the model again from its source.");
        if (hasChecksum && !reader.ReadBytes(ChecksumBytes).AsSpan().SequenceEqual(SHA256.HashData(bytes)))
            throw new InvalidDataException($"{what} are damaged: their SHA-256 checksum does not match. Save the model again from its source.");
        return bytes;
    }
}
