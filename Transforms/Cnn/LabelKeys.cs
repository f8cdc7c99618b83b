using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Cnn;

/// <summary>
/// The label's key type and its key values (class names), carried to the <c>Score</c> slot names and the
/// <c>PredictedLabel</c> key values so that <c>MapKeyToValue</c> and <c>Evaluate</c> work, and saved with the model.
/// </summary>
internal sealed class LabelKeys
{
    private const string KeyValuesKind = "KeyValues";
    private const string SlotNamesKind = "SlotNames";

    private LabelKeys(int count, PrimitiveDataViewType? valueType, string[]? values)
    {
        Count = count;
        ValueType = valueType;
        Values = values;
    }

    public int Count { get; }

    /// <summary>Type of the key values, or null when the label key has none.</summary>
    public PrimitiveDataViewType? ValueType { get; }

    /// <summary>Key values in invariant text form (round-trippable), or null.</summary>
    public IReadOnlyList<string>? Values { get; }

    /// <summary>The classes of a network's own head: named when <paramref name="names"/> is given.</summary>
    internal static LabelKeys FromNames(IReadOnlyList<string>? names, int count)
        => names is null ? new LabelKeys(count, null, null) : new LabelKeys(count, TextDataViewType.Instance, names.ToArray());

    internal static LabelKeys FromColumn(DataViewSchema.Column label)
    {
        if (label.Type is not KeyDataViewType key)
            throw new ArgumentOutOfRangeException(nameof(label),
                $"Label column '{label.Name}' must be a key type (class indices), but it is {label.Type}. " +
                $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{label.Name}\") before the trainer.");
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(label),
                $"Label column '{label.Name}' holds keys stored as {key.RawType.Name}, and the trainers read UInt32 keys, MapValueToKey's default. " +
                $"Map the labels with mlContext.Transforms.Conversion.MapValueToKey(\"{label.Name}\") and no other key type, or convert the column " +
                $"with mlContext.Transforms.Conversion.ConvertType(\"{label.Name}\", outputKind: DataKind.UInt32) and map that.");
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(label),
                $"Label column '{label.Name}' has {key.Count} classes; a classifier needs at least 2.");
        var valuesColumn = label.Annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (valuesColumn?.Type is not VectorDataViewType { ItemType: PrimitiveDataViewType itemType })
            return new LabelKeys((int)key.Count, null, null);
        var values = itemType.RawType switch
        {
            var t when t == typeof(ReadOnlyMemory<char>) => ReadValues<ReadOnlyMemory<char>>(label, v => v.ToString()),
            var t when t == typeof(int) => ReadValues<int>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(long) => ReadValues<long>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(uint) => ReadValues<uint>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(ulong) => ReadValues<ulong>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(float) => ReadValues<float>(label, v => v.ToString("R", CultureInfo.InvariantCulture)),
            var t when t == typeof(double) => ReadValues<double>(label, v => v.ToString("R", CultureInfo.InvariantCulture)),
            var t when t == typeof(bool) => ReadValues<bool>(label, v => v.ToString(CultureInfo.InvariantCulture)),
            _ => throw new ArgumentOutOfRangeException(nameof(label),
                $"Label column '{label.Name}' has key values of type {itemType}, which ImageCnn cannot carry; map the labels to text first."),
        };
        if (values.Length != (int)key.Count)
            throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' has {key.Count} keys but {values.Length} key values.");
        return new LabelKeys((int)key.Count, itemType, values);
    }

    private static string[] ReadValues<T>(DataViewSchema.Column label, Func<T, string> format)
    {
        var buffer = default(VBuffer<T>);
        label.Annotations.GetValue(KeyValuesKind, ref buffer);
        return buffer.DenseValues().Select(format).ToArray();
    }

    /// <summary>True when both describe the same classes in the same order.</summary>
    internal bool SameAs(LabelKeys other)
        => Count == other.Count && Equals(ValueType, other.ValueType) &&
           (Values is null ? other.Values is null : other.Values is not null && Values.SequenceEqual(other.Values));

    internal KeyDataViewType KeyType => new(typeof(uint), Count);

    /// <summary>Annotations for the predicted-label column: the label's key values.</summary>
    internal DataViewSchema.Annotations PredictedLabelAnnotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (ValueType is not null && Values is not null)
            AddKeyValues(builder, ValueType, Values);
        return builder.ToAnnotations();
    }

    /// <summary>Annotations for the score column: class names as slot names, and ML.NET's score-column markers.</summary>
    internal DataViewSchema.Annotations ScoreAnnotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (Values is not null)
        {
            var names = new VBuffer<ReadOnlyMemory<char>>(Count, Values.Select(v => v.AsMemory()).ToArray());
            builder.Add(SlotNamesKind, new VectorDataViewType(TextDataViewType.Instance, Count), (ref VBuffer<ReadOnlyMemory<char>> d) => names.CopyTo(ref d));
        }
        builder.Add("ScoreColumnKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> d) => d = "MulticlassClassification".AsMemory());
        builder.Add("ScoreValueKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> d) => d = "Score".AsMemory());
        return builder.ToAnnotations();
    }

    private void AddKeyValues(DataViewSchema.Annotations.Builder builder, PrimitiveDataViewType type, IReadOnlyList<string> values)
    {
        var vectorType = new VectorDataViewType(type, Count);
        switch (type.RawType)
        {
            case var t when t == typeof(ReadOnlyMemory<char>): Add(v => v.AsMemory()); break;
            case var t when t == typeof(int): Add(v => int.Parse(v, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(long): Add(v => long.Parse(v, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(uint): Add(v => uint.Parse(v, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(ulong): Add(v => ulong.Parse(v, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(float): Add(v => float.Parse(v, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(double): Add(v => double.Parse(v, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(bool): Add(bool.Parse); break;
            default: throw new InvalidDataException($"Unsupported key value type {type}.");
        }

        void Add<T>(Func<string, T> parse)
        {
            var buffer = new VBuffer<T>(Count, values.Select(parse).ToArray());
            builder.Add(KeyValuesKind, vectorType, (ref VBuffer<T> d) => buffer.CopyTo(ref d));
        }
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Count);
        writer.Write(ValueType is null ? "" : ValueType.RawType.FullName!);
        if (Values is not null)
            foreach (var value in Values)
                writer.Write(value);
    }

    internal static LabelKeys Read(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        var typeName = reader.ReadString();
        if (typeName.Length == 0)
            return new LabelKeys(count, null, null);
        var type = new PrimitiveDataViewType[]
        {
            TextDataViewType.Instance, NumberDataViewType.Int32, NumberDataViewType.Int64, NumberDataViewType.UInt32,
            NumberDataViewType.UInt64, NumberDataViewType.Single, NumberDataViewType.Double, BooleanDataViewType.Instance,
        }.FirstOrDefault(t => t.RawType.FullName == typeName) ?? throw new InvalidDataException($"The model holds label key values of unknown type {typeName}.");
        var values = new string[count];
        for (int i = 0; i < count; i++)
            values[i] = reader.ReadString();
        return new LabelKeys(count, type, values);
    }
}
