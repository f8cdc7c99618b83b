using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Named values one part of a training run keeps in a checkpoint (a callback's <see cref="TrainingCallback.SaveState"/>
/// writes them, <see cref="TrainingCallback.LoadState"/> reads them back). Reading a missing entry, or one of
/// another type, throws an error that names the entry and its owner.
/// </summary>
public sealed class CheckpointState : IDisposable
{
    private enum Kind : byte { Boolean = 1, Int32, Int64, Double, String, Bytes, Int64s, Doubles, Strings, Tensor }

    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    internal CheckpointState(string owner, Device device)
    {
        Owner = owner;
        Device = device;
    }

    /// <summary>Whose state this is, as error messages name it.</summary>
    public string Owner { get; }

    /// <summary>
    /// The training device: <see cref="GetTensor"/> and <see cref="GetWeights"/> return tensors there.
    /// </summary>
    public Device Device { get; }

    /// <summary>The names of the stored entries.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>True when nothing is stored.</summary>
    public bool IsEmpty => _values.Count == 0;

    /// <summary>True when an entry named <paramref name="key"/> is stored.</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>Stores a flag under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, bool value) => _values[key] = value;

    /// <summary>Stores a 32-bit integer under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, int value) => _values[key] = value;

    /// <summary>Stores a 64-bit integer under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, long value) => _values[key] = value;

    /// <summary>Stores a number under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, double value) => _values[key] = value;

    /// <summary>Stores a text under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, string value) => _values[key] = value;

    /// <summary>Stores bytes (copied) under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, byte[] value) => _values[key] = value.ToArray();

    /// <summary>
    /// Stores 64-bit integers (copied) under <paramref name="key"/>, replacing any entry of that name.
    /// </summary>
    public void Set(string key, long[] value) => _values[key] = value.ToArray();

    /// <summary>Stores numbers (copied) under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, double[] value) => _values[key] = value.ToArray();

    /// <summary>Stores texts (copied) under <paramref name="key"/>, replacing any entry of that name.</summary>
    public void Set(string key, string[] value) => _values[key] = value.ToArray();

    /// <summary>Keeps a copy of <paramref name="value"/> (on the CPU) as it is now.</summary>
    public void Set(string key, Tensor value)
    {
        if (_values.Remove(key, out var old) && old is Tensor replaced)
            replaced.Dispose();
        using var detached = value.detach();
        _values[key] = detached.to(CPU, copy: true).DetachFromDisposeScope();
    }

    /// <summary>
    /// The flag stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is missing or of
    /// another type.
    /// </summary>
    public bool GetBoolean(string key) => Get<bool>(key);

    /// <summary>
    /// The 32-bit integer stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is
    /// missing or of another type.
    /// </summary>
    public int GetInt32(string key) => Get<int>(key);

    /// <summary>
    /// The 64-bit integer stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is
    /// missing or of another type.
    /// </summary>
    public long GetInt64(string key) => Get<long>(key);

    /// <summary>
    /// The number stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is missing or of
    /// another type.
    /// </summary>
    public double GetDouble(string key) => Get<double>(key);

    /// <summary>
    /// The text stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is missing or of
    /// another type.
    /// </summary>
    public string GetString(string key) => Get<string>(key);

    /// <summary>
    /// The bytes (a copy) stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is
    /// missing or of another type.
    /// </summary>
    public byte[] GetBytes(string key) => Get<byte[]>(key).ToArray();

    /// <summary>
    /// The 64-bit integers (a copy) stored under <paramref name="key"/>; throws, naming the entry and its owner, when
    /// it is missing or of another type.
    /// </summary>
    public long[] GetInt64s(string key) => Get<long[]>(key).ToArray();

    /// <summary>
    /// The numbers (a copy) stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is
    /// missing or of another type.
    /// </summary>
    public double[] GetDoubles(string key) => Get<double[]>(key).ToArray();

    /// <summary>
    /// The texts (a copy) stored under <paramref name="key"/>; throws, naming the entry and its owner, when it is
    /// missing or of another type.
    /// </summary>
    public string[] GetStrings(string key) => Get<string[]>(key).ToArray();

    /// <summary>A new tensor on <see cref="Device"/> with the stored values; the caller owns it.</summary>
    public Tensor GetTensor(string key) => Get<Tensor>(key).to(Device, copy: true);

    /// <summary>Keeps a copy of every tensor of <paramref name="weights"/> under <paramref name="key"/>.</summary>
    public void SetWeights(string key, WeightSnapshot weights) => SetTensors(key, weights.Tensors);

    /// <summary>
    /// The tensors <see cref="SetWeights"/> kept, as a snapshot on <paramref name="device"/> taken at
    /// <paramref name="epoch"/>.
    /// </summary>
    public WeightSnapshot GetWeights(string key, int epoch, Device? device = null)
    {
        var names = GetStrings(key);
        return new WeightSnapshot(names.ToDictionary(name => name, name => Get<Tensor>($"{key}/{name}").to(device ?? Device, copy: true)), epoch);
    }

    /// <summary>Keeps copies of named tensors (a state dict) under <paramref name="key"/>.</summary>
    internal void SetTensors(string key, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var names = new List<string>();
        foreach (var (name, tensor) in tensors)
        {
            Set($"{key}/{name}", tensor);
            names.Add(name);
        }
        Set(key, names.ToArray());
    }

    /// <summary>The stored tensors of <see cref="SetTensors"/>, owned by this state: copy from them.</summary>
    internal Dictionary<string, Tensor> PeekTensors(string key)
        => GetStrings(key).ToDictionary(name => name, name => Get<Tensor>($"{key}/{name}"));

    private T Get<T>(string key)
    {
        if (!_values.TryGetValue(key, out var value))
            throw new InvalidDataException($"The checkpoint has no entry '{key}' for {Owner}: it was written by a training run with other settings or callbacks.");
        return value is T typed
            ? typed
            : throw new InvalidDataException($"The checkpoint entry '{key}' of {Owner} is a {KindOf(value)}, not a {typeof(T).Name}.");
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(_values.Count);
        foreach (var (key, value) in _values)
        {
            writer.Write(key);
            writer.Write((byte)KindOf(value));
            WriteValue(writer, value);
        }
    }

    private static void WriteValue(BinaryWriter writer, object value)
    {
        switch (value)
        {
            case bool b: writer.Write(b); break;
            case int i: writer.Write(i); break;
            case long l: writer.Write(l); break;
            case double d: writer.Write(d); break;
            case string s: writer.Write(s); break;
            case byte[] bytes: writer.Write(bytes.Length); writer.Write(bytes); break;
            case long[] longs: WriteArray(writer, longs, writer.Write); break;
            case double[] doubles: WriteArray(writer, doubles, writer.Write); break;
            case string[] strings: WriteArray(writer, strings, writer.Write); break;
            case Tensor tensor: tensor.Save(writer); break;
        }
    }

    private static void WriteArray<T>(BinaryWriter writer, T[] values, Action<T> write)
    {
        writer.Write(values.Length);
        foreach (var value in values)
            write(value);
    }

    internal static CheckpointState Read(BinaryReader reader, string owner, Device device)
    {
        var state = new CheckpointState(owner, device);
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString();
            state._values[key] = ReadValue(reader, (Kind)reader.ReadByte(), key, owner);
        }
        return state;
    }

    private static object ReadValue(BinaryReader reader, Kind kind, string key, string owner) => kind switch
    {
        Kind.Boolean => reader.ReadBoolean(),
        Kind.Int32 => reader.ReadInt32(),
        Kind.Int64 => reader.ReadInt64(),
        Kind.Double => reader.ReadDouble(),
        Kind.String => reader.ReadString(),
        Kind.Bytes => reader.ReadBytes(reader.ReadInt32()),
        Kind.Int64s => ReadArray(reader, reader.ReadInt64),
        Kind.Doubles => ReadArray(reader, reader.ReadDouble),
        Kind.Strings => ReadArray(reader, reader.ReadString),
        Kind.Tensor => TensorExtensionMethods.Load(reader).DetachFromDisposeScope(),
        _ => throw new InvalidDataException($"The checkpoint entry '{key}' of {owner} has an unknown type {(byte)kind}."),
    };

    private static T[] ReadArray<T>(BinaryReader reader, Func<T> read)
    {
        var values = new T[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++)
            values[i] = read();
        return values;
    }

    private static Kind KindOf(object value) => value switch
    {
        bool => Kind.Boolean,
        int => Kind.Int32,
        long => Kind.Int64,
        double => Kind.Double,
        string => Kind.String,
        byte[] => Kind.Bytes,
        long[] => Kind.Int64s,
        double[] => Kind.Doubles,
        string[] => Kind.Strings,
        Tensor => Kind.Tensor,
        _ => throw new InvalidOperationException($"A checkpoint cannot hold a {value.GetType().Name}."),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _values.Values.OfType<Tensor>())
            tensor.Dispose();
        _values.Clear();
    }
}
