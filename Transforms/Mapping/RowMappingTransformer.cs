using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.MLNetInternals;

namespace MLExtensions.Mapping;

/// <summary>
/// Base of MLExtensions' fitted transformers that add columns row by row: <c>Transform</c>, schema propagation,
/// <c>PredictionEngine</c> support and saving into an ML.NET model zip all come from one <see cref="ColumnMapper"/>.
/// </summary>
public abstract class RowMappingTransformer : ITransformer
{
    private protected RowMappingTransformer()
    {
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// Validates <paramref name="inputSchema"/> and returns the schema <see cref="Transform"/> produces.
    /// </summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => CreateMapper(Check(inputSchema)).OutputSchema;

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new RowMapper(CreateMapper(Check(inputSchema)));

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, CreateMapper(input.Schema));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => ModelPersistence.Save(ctx, Format, SaveContents);

    private protected abstract ModelFormat Format { get; }

    private protected abstract void SaveContents(BinaryWriter writer);

    private protected abstract ColumnMapper CreateMapper(DataViewSchema inputSchema);

    private static DataViewSchema Check(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return inputSchema;
    }
}
