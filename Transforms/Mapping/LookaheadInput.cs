using Microsoft.ML;

namespace MLExtensions.Mapping;

/// <summary>
/// The input rows as a data view again, for a mapper that needs to hand whole views to other transformers (an
/// ensemble's members): every cursor is a fresh look-ahead cursor over the same rows in the same order, with the
/// mapper's dependencies active.
/// </summary>
internal sealed class LookaheadInput : IDataView
{
    private readonly Func<DataViewRowCursor> _open;

    public LookaheadInput(DataViewSchema schema, Func<DataViewRowCursor> open)
    {
        Schema = schema;
        _open = open;
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => _open();

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [_open()];
}
