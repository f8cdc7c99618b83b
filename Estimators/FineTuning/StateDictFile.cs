using static TorchSharp.torch;

namespace MLExtensions.FineTuning;

/// <summary>
/// TorchSharp's state-dict format (what <c>Module.save</c> writes, and what TorchSharp's documented PyTorch export
/// script writes): an entry count, then per entry a name and a tensor (dtype, shape, raw bytes).
/// </summary>
internal static class StateDictFile
{
    /// <summary>Reads every entry, in file order, as CPU tensors owned by the caller.</summary>
    internal static List<KeyValuePair<string, Tensor>> Read(byte[] bytes, string source)
    {
        var entries = new List<KeyValuePair<string, Tensor>>();
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            long count = ReadLeb128(reader);
            if (count < 0 || count > 1_000_000)
                throw new InvalidDataException($"it declares {count} entries");
            for (long i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                entries.Add(new(name, TorchSharp.TensorExtensionMethods.Load(reader)));
            }
            if (reader.BaseStream.Position != reader.BaseStream.Length)
                throw new InvalidDataException($"{reader.BaseStream.Length - reader.BaseStream.Position} bytes follow the last entry");
            return entries;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or ArgumentException)
        {
            foreach (var entry in entries)
                entry.Value.Dispose();
            throw new InvalidDataException($"{source} is not a TorchSharp state-dict file ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Throws naming the first entry (in the network's own order) that is missing, has another shape or another
    /// element type, and then any entry the network does not have.
    /// </summary>
    internal static void CheckAgainst(IReadOnlyList<KeyValuePair<string, Tensor>> entries, nn.Module network, string architecture, string source)
    {
        var found = entries.ToDictionary(e => e.Key, e => e.Value);
        foreach (var (name, expected) in network.state_dict())
        {
            if (!found.TryGetValue(name, out var actual))
                throw new ArgumentException(
                    $"{source} does not match {architecture}: it has no parameter '{name}' (expected shape {Shape(expected)}). " +
                    $"Its entries are: {string.Join(", ", entries.Take(8).Select(e => $"'{e.Key}' {Shape(e.Value)}"))}{(entries.Count > 8 ? ", …" : "")}.");
            if (!actual.shape.SequenceEqual(expected.shape))
                throw new ArgumentException(
                    $"{source} does not match {architecture}: parameter '{name}' has shape {Shape(actual)} in the file but {Shape(expected)} in the network.");
            if (actual.dtype != expected.dtype)
                throw new ArgumentException(
                    $"{source} does not match {architecture}: parameter '{name}' is {actual.dtype} in the file but {expected.dtype} in the network.");
        }
        var extra = entries.FirstOrDefault(e => !network.state_dict().ContainsKey(e.Key));
        if (extra.Key is not null)
            throw new ArgumentException($"{source} does not match {architecture}: the network has no parameter '{extra.Key}' (shape {Shape(extra.Value)}).");
    }

    internal static string Shape(Tensor tensor) => $"[{string.Join(", ", tensor.shape)}]";

    // The unsigned LEB128 integer TorchSharp writes for counts, dtypes and dimensions.
    private static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw new InvalidDataException("a malformed entry count");
    }
}
