using MLExtensions.Persistence;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Network weights inside a model zip: TorchSharp's state-dict format, length-prefixed, followed by the SHA-256 of
/// those bytes, so that a damaged model fails to load instead of predicting with wrong weights.
/// </summary>
internal static class WeightsFormat
{
    internal static void Write(BinaryWriter writer, nn.Module module)
    {
        using var buffer = new MemoryStream();
        module.save(buffer);
        // TorchSharp closes the stream it saved to; ToArray still works on a closed MemoryStream.
        ChecksummedBytes.Write(writer, buffer.ToArray());
    }

    /// <summary>Reads what <see cref="Write"/> wrote into <paramref name="module"/>, checking the checksum.</summary>
    /// <param name="reader">Positioned at the weights.</param>
    /// <param name="module">The network, built from its description, whose parameters and buffers are set.</param>
    /// <param name="hasChecksum">False for models written before the checksum was kept.</param>
    internal static void Read(BinaryReader reader, nn.Module module, bool hasChecksum = true)
    {
        using var stream = new MemoryStream(ChecksummedBytes.Read(reader, "The model's network weights", hasChecksum));
        module.load(stream);
    }
}
