using System.Text;
using System.Text.Json;

namespace MLExtensions.Pretrained;

/// <summary>
/// Checks a <c>.safetensors</c> file's header completely before any tensor is read: a bounded header length, UTF-8
/// JSON, and for every tensor a known dtype, a shape, and data offsets inside the data section whose length is the
/// dtype's size times the shape's, with no two tensors sharing bytes. A reader that trusts the offsets loads two
/// overlapping tensors from the same bytes without a word (wrong weights); errors here name the file and the tensor.
/// </summary>
internal static class SafetensorsHeader
{
    private const long MaxHeaderBytes = 100_000_000;
    private const string Metadata = "__metadata__";

    private static readonly Dictionary<string, int> DtypeBytes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1, ["BOOL"] = 1,
    };

    private sealed record Entry(string Name, long Begin, long End);

    /// <exception cref="InvalidDataException">The header is not a valid safetensors header; the message names the file and what is wrong.</exception>
    internal static void Validate(string path)
    {
        using var stream = File.OpenRead(path);
        var lengthBytes = new byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw Invalid(path, "it is shorter than the 8 bytes of a header length");
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
            throw Invalid(path, $"its header length reads as {headerLength} bytes, but the file holds {stream.Length} bytes (and a header may have at most {MaxHeaderBytes})");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = stream.Length - 8 - (long)headerLength;
        var entries = Entries(path, Json(path, header), dataLength);
        CheckNoOverlap(path, entries);
    }

    private static JsonElement Json(string path, byte[] header)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(header);
        }
        catch (DecoderFallbackException e)
        {
            throw Invalid(path, $"its header is not valid UTF-8 ({e.Message})");
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone()
                : throw Invalid(path, $"its header is JSON {document.RootElement.ValueKind}, not an object of tensors");
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"its header is not JSON ({e.Message})");
        }
    }

    private static List<Entry> Entries(string path, JsonElement root, long dataLength)
    {
        var entries = new List<Entry>();
        foreach (var tensor in root.EnumerateObject())
        {
            if (tensor.Name == Metadata)
                continue;
            var (dtype, shape, begin, end) = Fields(path, tensor);
            long expected = DtypeBytes[dtype];
            try
            {
                foreach (long size in shape)
                    expected = checked(expected * size);
            }
            catch (OverflowException)
            {
                throw Invalid(path, $"tensor '{tensor.Name}' has a shape [{string.Join(", ", shape)}] too large for any file");
            }
            if (end - begin != expected)
                throw Invalid(path, $"tensor '{tensor.Name}' ({dtype} [{string.Join(", ", shape)}]) needs {expected} bytes, but its data_offsets [{begin}, {end}] hold {end - begin}");
            if (end > dataLength)
                throw Invalid(path, $"tensor '{tensor.Name}' ends at byte {end} of the data, which holds only {dataLength} bytes (the file is truncated or the offsets are wrong)");
            entries.Add(new Entry(tensor.Name, begin, end));
        }
        return entries;
    }

    private static (string Dtype, long[] Shape, long Begin, long End) Fields(string path, JsonProperty tensor)
    {
        try
        {
            var value = tensor.Value;
            string dtype = value.GetProperty("dtype").GetString()!;
            if (!DtypeBytes.ContainsKey(dtype))
                throw Invalid(path, $"tensor '{tensor.Name}' has the unknown dtype '{dtype}'");
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            if (shape.Any(d => d < 0) || offsets is not [var begin, var end] || begin < 0 || end < begin)
                throw Invalid(path, $"tensor '{tensor.Name}' has a negative dimension or data_offsets that are not [begin, end] with 0 ≤ begin ≤ end: {value.GetRawText()}");
            return (dtype, shape, begin, end);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw Invalid(path, $"tensor '{tensor.Name}' does not have a dtype, a shape of whole numbers and two data_offsets ({e.Message}): {tensor.Value.GetRawText()}");
        }
    }

    private static void CheckNoOverlap(string path, List<Entry> entries)
    {
        var ordered = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToArray();
        for (int i = 1; i < ordered.Length; i++)
            if (ordered[i].Begin < ordered[i - 1].End)
                throw Invalid(path, $"tensors '{ordered[i - 1].Name}' (bytes {ordered[i - 1].Begin}-{ordered[i - 1].End}) and '{ordered[i].Name}' " +
                                    $"(bytes {ordered[i].Begin}-{ordered[i].End}) share bytes, so one of them would load the other's values");
    }

    private static InvalidDataException Invalid(string path, string problem)
        => new($"The .safetensors file '{path}' is damaged or not a safetensors file: {problem}. Save it again, e.g. safetensors.torch.save_file(model.state_dict(), path).");
}
