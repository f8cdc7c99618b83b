using System.Security.Cryptography;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Network weights inside a model zip: TorchSharp's state-dict format, length-prefixed, followed by the SHA-256 of
/// those bytes, so that a damaged model fails to load instead of predicting with wrong weights.
/// </summary>
internal static class WeightsFormat
{
    private const int ChecksumBytes = 32;

    internal static void Write(BinaryWriter writer, nn.Module module)
    {
        using var buffer = new MemoryStream();
        module.save(buffer);
        // TorchSharp closes the stream it saved to; ToArray still works on a closed MemoryStream.
        var bytes = buffer.ToArray();
        writer.Write((long)bytes.Length);
        writer.Write(bytes);
        writer.Write(SHA256.HashData(bytes));
    }

    /// <summary>Reads what <see cref="Write"/> wrote into <paramref name="module"/>, checking the checksum.</summary>
    /// <param name="reader">Positioned at the weights.</param>
    /// <param name="module">The network, built from its description, whose parameters and buffers are set.</param>
    /// <param name="hasChecksum">False for models written before the checksum was kept.</param>
    internal static void Read(BinaryReader reader, nn.Module module, bool hasChecksum = true)
    {
        long length = reader.ReadInt64();
        if (length < 0 || length > int.MaxValue)
            throw new InvalidDataException($"The model's network weights are damaged: their length reads as {length} bytes.");
        var bytes = reader.ReadBytes((int)length);
        if (bytes.Length != length)
            throw new InvalidDataException($"The model's network weights are truncated ({bytes.Length} of {length} bytes).");
        if (hasChecksum && !reader.ReadBytes(ChecksumBytes).AsSpan().SequenceEqual(SHA256.HashData(bytes)))
            throw new InvalidDataException("The model's network weights are damaged: their SHA-256 checksum does not match. Save the model again from its source.");
        using var stream = new MemoryStream(bytes);
        module.load(stream);
    }
}
