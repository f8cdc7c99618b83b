using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Network weights inside a model zip: TorchSharp's state-dict format, length-prefixed.</summary>
internal static class WeightsFormat
{
    internal static void Write(BinaryWriter writer, nn.Module module)
    {
        using var buffer = new MemoryStream();
        module.save(buffer);
        // TorchSharp closes the stream it saved to; ToArray still works on a closed MemoryStream.
        var bytes = buffer.ToArray();
        writer.Write((long)bytes.Length);
        writer.Write(bytes);
    }

    internal static void Read(BinaryReader reader, nn.Module module)
    {
        long length = reader.ReadInt64();
        var bytes = reader.ReadBytes(checked((int)length));
        if (bytes.Length != length)
            throw new InvalidDataException($"The model's network weights are truncated ({bytes.Length} of {length} bytes).");
        using var stream = new MemoryStream(bytes);
        module.load(stream);
    }
}
