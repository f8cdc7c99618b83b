using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Mapping;

/// <summary>A cursor over an input cursor with a mapper's columns added.</summary>
internal sealed class MappedCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly MappedColumnGetters _getters;

    public MappedCursor(ColumnMapper mapper, DataViewRowCursor input, IEnumerable<DataViewSchema.Column> activeColumns,
        Func<DataViewRowCursor>? openLookahead = null)
    {
        _input = input;
        Schema = mapper.OutputSchema;
        _getters = new MappedColumnGetters(mapper, input, activeColumns, openLookahead);
    }

    public override DataViewSchema Schema { get; }
    public override long Position => _input.Position;
    public override long Batch => _input.Batch;
    public override bool MoveNext() => _input.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _getters.IsColumnActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _getters.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _getters.Dispose();
            _input.Dispose();
        }
        base.Dispose(disposing);
    }
}
