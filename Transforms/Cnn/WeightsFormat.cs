using MLExtensions.Persistence;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Network weights inside a model zip: TorchSharp's state-dict format, length-prefixed, followed by the SHA-256 of
/// those bytes, so that a damaged model fails to load instead of predicting with wrong weights.
/// </summary>
internal static class WeightsFormat
{
    /// <summary>
    /// The most bytes of weights a network may have: they are kept in memory and in the model zip as one .NET array,
    /// whose length is at most 2^31 − 1 (with a margin for the state dict's names and shapes).
    /// </summary>
    internal const long MaximumWeightBytes = int.MaxValue - (64L << 20);

    internal static void Write(BinaryWriter writer, nn.Module module) => ChecksummedBytes.Write(writer, ToBytes(module, module.GetName()));

    /// <summary>The network's state dict in TorchSharp's format, or a clear error for one too large to hold.</summary>
    /// <param name="what">The network in words, for the error.</param>
    internal static byte[] ToBytes(nn.Module module, string what)
    {
        long bytes = module.state_dict().Values.Sum(t => t.numel() * t.ElementSize);
        if (bytes > MaximumWeightBytes)
            throw new NotSupportedException($"{what} has {bytes:N0} bytes of weights; MLExtensions keeps a network's weights in memory and in the model " +
                $"zip as one block of at most {MaximumWeightBytes:N0} bytes, so networks this large cannot be fine-tuned or saved.");
        using var buffer = new MemoryStream();
        module.save(buffer);
        // TorchSharp closes the stream it saved to; ToArray still works on a closed MemoryStream.
        return buffer.ToArray();
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
