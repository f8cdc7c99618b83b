using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Mapping;

/// <summary>A row with a mapper's columns added, as handed out by <see cref="RowMapper.GetRow"/>.</summary>
internal sealed class MappedRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly MappedColumnGetters _getters;

    public MappedRow(ColumnMapper mapper, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _input = input;
        Schema = mapper.OutputSchema;
        _getters = new MappedColumnGetters(mapper, input, activeColumns);
    }

    public override DataViewSchema Schema { get; }
    public override long Position => _input.Position;
    public override long Batch => _input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _getters.IsColumnActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _getters.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _getters.Dispose();
        base.Dispose(disposing);
    }
}
