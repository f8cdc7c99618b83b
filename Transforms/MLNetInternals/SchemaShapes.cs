using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.MLNetInternals;

/// <summary>Builds <see cref="SchemaShape"/> columns, whose constructor ML.NET keeps internal.</summary>
internal static class SchemaShapes
{
    internal static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType,
        bool isKey, SchemaShape? annotations = null)
        => new(name, kind, itemType, isKey, annotations);

    /// <summary>The shape of a concrete schema, as estimator chains see it.</summary>
    internal static SchemaShape From(DataViewSchema schema) => SchemaShape.Create(schema);

    internal static bool TryFind(SchemaShape shape, string name, out SchemaShape.Column column)
        => shape.TryFindColumn(name, out column);

    /// <summary><paramref name="input"/> with <paramref name="added"/> appended, replacing same-named columns.</summary>
    internal static SchemaShape With(SchemaShape input, params SchemaShape.Column[] added)
    {
        var columns = input.ToDictionary(c => c.Name);
        foreach (var column in added)
            columns[column.Name] = column;
        return new SchemaShape(columns.Values);
    }
}
