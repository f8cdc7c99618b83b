using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Mapping;

/// <summary>The row-at-a-time face of a <see cref="ColumnMapper"/>, which <c>PredictionEngine</c> uses.</summary>
internal sealed class RowMapper : IRowToRowMapper
{
    private readonly ColumnMapper _mapper;

    public RowMapper(ColumnMapper mapper) => _mapper = mapper;

    public DataViewSchema InputSchema => _mapper.InputSchema;
    public DataViewSchema OutputSchema => _mapper.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => _mapper.InputColumnsFor(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        => new MappedRow(_mapper, input, activeColumns);
}
