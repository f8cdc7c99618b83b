using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

internal sealed class PixelRow
{
    public float[] Pixels { get; set; } = [];
}

internal sealed class IntPixelRow
{
    public int[] Pixels { get; set; } = [];
}

internal static class TestData
{
    /// <summary>A data view with one float vector column "Pixels" of the given dimensions.</summary>
    internal static IDataView Images(MLContext ml, float[][] images, params int[] dimensions)
    {
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(PixelRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        return ml.Data.LoadFromEnumerable(images.Select(p => new PixelRow { Pixels = p }), schema);
    }

    /// <summary>Random images with values in [0, scale), from a seeded generator.</summary>
    internal static float[][] RandomImages(int count, int size, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, size).Select(_ => (float)random.NextDouble() * scale).ToArray())
            .ToArray();
    }

    internal static float[][] ReadVectors(IDataView data, string column)
    {
        var result = new List<float[]>();
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            result.Add(buffer.DenseValues().ToArray());
        }
        return result.ToArray();
    }
}
