using System.IO.Compression;
using System.Text;

namespace MLExtensions.Pretrained;

/// <summary>
/// Checks a <c>torch.save</c> zip's tensors against their storages before the file is loaded: every storage the pickle
/// names must be an entry of exactly its element count times its element size, and every tensor's offset, shape and
/// strides must stay inside its storage. A reader that trusts them fills a short storage with zeros, silently, or fails
/// deep inside with an error naming neither file nor tensor. The pickle is only walked, never executed: the opcodes of
/// a state dict are followed on a stack of plain values; a file that uses others is left to the loader, which refuses
/// anything but tensors.
/// </summary>
internal static class TorchSaveStorages
{
    private sealed record Storage(string Type, string Key, long Elements);

    private sealed record TensorRecord(Storage Storage, long Offset, long[] Shape, long[] Stride);

    private sealed record Global(string Module, string Name);

    private static readonly object Mark = new();

    private static readonly Dictionary<string, int> ElementBytes = new()
    {
        ["DoubleStorage"] = 8, ["FloatStorage"] = 4, ["HalfStorage"] = 2, ["BFloat16Storage"] = 2, ["LongStorage"] = 8,
        ["IntStorage"] = 4, ["ShortStorage"] = 2, ["CharStorage"] = 1, ["ByteStorage"] = 1, ["BoolStorage"] = 1,
    };

    /// <exception cref="InvalidDataException">A storage or tensor does not add up; the message names the file and the tensor.</exception>
    internal static void Validate(string path)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(path, $"it is not a complete zip file ({e.Message})");
        }
        using var opened = archive;
        var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        if (pickle is null)
            throw Invalid(path, "it holds no data.pkl, so it is not a torch.save file");
        string prefix = pickle.FullName[..^"data.pkl".Length];
        Dictionary<string, TensorRecord>? tensors;
        using (var stream = pickle.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            tensors = Walk(copy.ToArray());
        }
        if (tensors is null)
            return;
        foreach (var (name, tensor) in tensors)
            Check(path, archive, prefix, name, tensor);
    }

    private static void Check(string path, ZipArchive archive, string prefix, string name, TensorRecord tensor)
    {
        var storage = tensor.Storage;
        if (!ElementBytes.TryGetValue(storage.Type, out int bytes))
            return;
        var entry = archive.GetEntry($"{prefix}data/{storage.Key}")
            ?? throw Invalid(path, $"tensor '{name}' names storage '{storage.Key}', which the file does not hold");
        if (entry.Length != storage.Elements * bytes)
            throw Invalid(path, $"tensor '{name}''s storage '{storage.Key}' should hold {storage.Elements} × {bytes} = {storage.Elements * bytes} bytes, but holds {entry.Length}");
        if (tensor.Offset < 0 || tensor.Shape.Any(d => d < 0) || tensor.Stride.Any(s => s < 0) || tensor.Shape.Length != tensor.Stride.Length)
            throw Invalid(path, $"tensor '{name}' has a negative offset, size or stride, or sizes and strides of different lengths");
        if (tensor.Shape.Any(d => d == 0))
            return;
        long last = tensor.Offset + tensor.Shape.Zip(tensor.Stride, (size, stride) => (size - 1) * stride).Sum();
        if (last >= storage.Elements)
            throw Invalid(path, $"tensor '{name}' (shape [{string.Join(", ", tensor.Shape)}], offset {tensor.Offset}) reaches element {last} " +
                                $"of a storage of {storage.Elements}");
    }

    /// <summary>The state dict's tensors by name, or null when the pickle uses an opcode or layout this walk does not follow.</summary>
    private static Dictionary<string, TensorRecord>? Walk(byte[] pickle)
    {
        try
        {
            return WalkOpcodes(pickle);
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or EndOfStreamException or NullReferenceException)
        {
            return null;
        }
    }

    private static Dictionary<string, TensorRecord>? WalkOpcodes(byte[] pickle)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        var tensors = new Dictionary<string, TensorRecord>();
        using var reader = new BinaryReader(new MemoryStream(pickle), Encoding.UTF8);
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            byte opcode = reader.ReadByte();
            switch (opcode)
            {
                case 0x80: reader.ReadByte(); break;                                        // PROTO
                case 0x95: reader.ReadInt64(); break;                                       // FRAME
                case (byte)'.': return tensors;                                              // STOP
                case (byte)'(': stack.Add(Mark); break;                                     // MARK
                case (byte)'c': stack.Add(new Global(Line(reader), Line(reader))); break;   // GLOBAL
                case 0x93: stack.Add(StackGlobal(stack)); break;                           // STACK_GLOBAL
                case (byte)'q': memo[reader.ReadByte()] = stack[^1]; break;                 // BINPUT
                case (byte)'r': memo[reader.ReadUInt32()] = stack[^1]; break;               // LONG_BINPUT
                case 0x94: memo[memo.Count] = stack[^1]; break;                             // MEMOIZE
                case (byte)'h': stack.Add(memo[reader.ReadByte()]); break;                  // BINGET
                case (byte)'j': stack.Add(memo[reader.ReadUInt32()]); break;                // LONG_BINGET
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()))); break; // BINUNICODE
                case 0x8C: stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadByte()))); break;       // SHORT_BINUNICODE
                case (byte)'K': stack.Add((long)reader.ReadByte()); break;                  // BININT1
                case (byte)'M': stack.Add((long)reader.ReadUInt16()); break;                // BININT2
                case (byte)'J': stack.Add((long)reader.ReadInt32()); break;                 // BININT
                case 0x8A: stack.Add(Long1(reader)); break;                                 // LONG1
                case (byte)'G': reader.ReadBytes(8); stack.Add(0.0); break;                 // BINFLOAT
                case 0x88: stack.Add(true); break;                                          // NEWTRUE
                case 0x89: stack.Add(false); break;                                         // NEWFALSE
                case (byte)'N': stack.Add(null); break;                                     // NONE
                case (byte)')': stack.Add(Array.Empty<object?>()); break;                   // EMPTY_TUPLE
                case 0x85: stack.Add(PopMany(stack, 1)); break;                             // TUPLE1
                case 0x86: stack.Add(PopMany(stack, 2)); break;                             // TUPLE2
                case 0x87: stack.Add(PopMany(stack, 3)); break;                             // TUPLE3
                case (byte)'t': stack.Add(PopToMark(stack)); break;                         // TUPLE
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;        // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break;                      // EMPTY_LIST
                case (byte)'Q': stack.Add(Persistent(Pop(stack))); break;                   // BINPERSID
                case (byte)'R': var args = (object?[])Pop(stack)!; stack.Add(Reduce(Pop(stack), args)); break; // REDUCE
                case (byte)'b': Pop(stack); break;                                          // BUILD: state of an OrderedDict, ignored
                case (byte)'s': SetItems([Pop(stack), Pop(stack)], tensors); break;         // SETITEM (value, then key)
                case (byte)'u': SetItems(PopToMark(stack).Reverse().ToArray(), tensors); break; // SETITEMS
                case (byte)'a': Pop(stack); break;                                          // APPEND
                case (byte)'e': PopToMark(stack); break;                                    // APPENDS
                default: return null;
            }
        }
        return null;
    }

    private static object? Persistent(object? id)
        => id is object?[] { Length: 5 } t && t[0] is "storage" && t[1] is Global type && t[2] is string key && t[4] is long elements
            ? new Storage(type.Name, key, elements) : id;

    private static object? Reduce(object? callable, object?[] args)
        => callable is Global { Module: "torch._utils", Name: "_rebuild_tensor_v2" or "_rebuild_tensor" }
           && args.Length >= 4 && args[0] is Storage storage && args[1] is long offset && args[2] is object?[] shape && args[3] is object?[] stride
            ? new TensorRecord(storage, offset, shape.Cast<long>().ToArray(), stride.Cast<long>().ToArray())
            : callable is Global { Module: "collections", Name: "OrderedDict" } ? new Dictionary<object, object?>() : null;

    // Pairs of value then key (the stack's key, value order reversed): the state dict's entries.
    private static void SetItems(object?[] valuesAndKeys, Dictionary<string, TensorRecord> tensors)
    {
        for (int i = 0; i + 1 < valuesAndKeys.Length; i += 2)
            if (valuesAndKeys[i + 1] is string name && valuesAndKeys[i] is TensorRecord tensor)
                tensors[name] = tensor;
    }

    private static Global StackGlobal(List<object?> stack)
    {
        var name = (string)Pop(stack)!;
        return new Global((string)Pop(stack)!, name);
    }

    private static object? Pop(List<object?> stack)
    {
        var top = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private static object?[] PopMany(List<object?> stack, int count)
    {
        var items = stack.GetRange(stack.Count - count, count).ToArray();
        stack.RemoveRange(stack.Count - count, count);
        return items;
    }

    private static object?[] PopToMark(List<object?> stack)
    {
        int mark = stack.LastIndexOf(Mark);
        var items = stack.GetRange(mark + 1, stack.Count - mark - 1).ToArray();
        stack.RemoveRange(mark, stack.Count - mark);
        return items;
    }

    private static string Line(BinaryReader reader)
    {
        var text = new StringBuilder();
        for (char c = (char)reader.ReadByte(); c != '\n'; c = (char)reader.ReadByte())
            text.Append(c);
        return text.ToString();
    }

    private static long Long1(BinaryReader reader)
    {
        var bytes = reader.ReadBytes(reader.ReadByte());
        long value = 0;
        for (int i = bytes.Length - 1; i >= 0; i--)
            value = (value << 8) | bytes[i];
        return bytes.Length > 0 && bytes.Length < 8 && (bytes[^1] & 0x80) != 0 ? value - (1L << (8 * bytes.Length)) : value;
    }

    private static InvalidDataException Invalid(string path, string problem)
        => new($"The PyTorch file '{path}' is damaged: {problem}. Save it again with torch.save(model.state_dict(), path).");
}
