using Google.Protobuf;

namespace MLExtensions.UnitTests;

/// <summary>
/// Reads TensorBoard event files from the published format, independently of the writer: each record is a uint64
/// length, the masked CRC-32C of those 8 bytes, the data (a serialized <c>Event</c>), and the masked CRC-32C of the
/// data; both checksums are verified. Events are decoded field by field from the wire format (event.proto /
/// summary.proto field numbers), not with generated classes.
/// </summary>
internal static class TensorBoardEventReader
{
    internal sealed record Value(string Tag, float? Simple, bool HasHistogram, bool HasImage, string? Text);

    internal sealed record Event(double WallTime, long Step, string? FileVersion, IReadOnlyList<Value> Values);

    internal static List<Event> Read(string path)
    {
        var events = new List<Event>();
        using var reader = new BinaryReader(File.OpenRead(path));
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            var header = reader.ReadBytes(8);
            Check(reader.ReadUInt32(), header, $"length of record {events.Count}");
            var data = reader.ReadBytes(checked((int)BitConverter.ToUInt64(header)));
            Check(reader.ReadUInt32(), data, $"data of record {events.Count}");
            events.Add(ParseEvent(data));
        }
        return events;
    }

    private static void Check(uint stored, byte[] bytes, string what)
    {
        uint crc = Crc32C(bytes);
        uint masked = unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8);
        Assert.AreEqual(masked, stored, $"CRC of the {what}");
    }

    private static Event ParseEvent(byte[] data)
    {
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var values = new List<Value>();
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wallTime = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: fileVersion = input.ReadString(); break;
                case 5: values.AddRange(ParseSummary(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        return new Event(wallTime, step, fileVersion, values);
    }

    private static IEnumerable<Value> ParseSummary(ByteString summary)
    {
        var input = new CodedInputStream(summary.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            if (WireFormat.GetTagFieldNumber(tag) == 1)
                yield return ParseValue(input.ReadBytes());
            else
                input.SkipLastField();
    }

    // Summary.Value: tag = 1, simple_value = 2, image = 4, histo = 5, tensor = 8 (text).
    private static Value ParseValue(ByteString value)
    {
        var input = new CodedInputStream(value.ToByteArray());
        string name = "";
        float? simple = null;
        bool histogram = false, image = false;
        string? text = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = input.ReadString(); break;
                case 2: simple = input.ReadFloat(); break;
                case 4: image = true; input.SkipLastField(); break;
                case 5: histogram = true; input.SkipLastField(); break;
                case 8: text = TensorStrings(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        return new Value(name, simple, histogram, image, text);
    }

    // TensorProto.string_val (field 8): how text summaries are stored.
    private static string TensorStrings(ByteString tensor)
    {
        var input = new CodedInputStream(tensor.ToByteArray());
        var strings = new List<string>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            if (WireFormat.GetTagFieldNumber(tag) == 8)
                strings.Add(input.ReadBytes().ToStringUtf8());
            else
                input.SkipLastField();
        return string.Join("\n", strings);
    }

    // CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as the format specifies.
    private static uint Crc32C(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }
}
