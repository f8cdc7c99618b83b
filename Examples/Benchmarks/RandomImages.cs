using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;

namespace Benchmarks;

/// <summary>Images of uniform random pixels with cycling labels, for measurements where only the sizes matter.</summary>
internal static class RandomImages
{
    private sealed class Row
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    /// <summary>
    /// <paramref name="count"/> rows: a Label key of <paramref name="classes"/> values, cycling (LoadFromEnumerable reads a key property 0-based), unless
    /// <paramref name="labelled"/> is false, and a Features vector of <paramref name="shape"/>.
    /// </summary>
    internal static IDataView Create(MLContext ml, int count, ImageShape shape, int classes, int seed, bool labelled = true)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i => new Row
        {
            Label = (uint)(i % classes),
            Features = Enumerable.Range(0, shape.Size).Select(_ => random.NextSingle()).ToArray(),
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, shape.Channels, shape.Height, shape.Width);
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        var view = ml.Data.LoadFromEnumerable(rows, schema);
        return labelled ? view : ml.Transforms.DropColumns(nameof(Row.Label)).Fit(view).Transform(view);
    }

    /// <summary>Reads every value of a vector column, as a consumer of the scores would.</summary>
    internal static void Consume(IDataView data, string column = "Score")
    {
        foreach (var _ in data.GetColumn<VBuffer<float>>(column))
        {
        }
    }
}
