using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Data;

/// <summary>
/// A data view of one column of any type (images included, which <c>LoadFromEnumerable</c> maps only through a
/// fixed-size attribute), whose values are made afresh for every cursor (ML.NET disposes images a cursor has read).
/// </summary>
internal sealed class InMemoryColumnView<T> : IDataView
{
    private readonly Func<IReadOnlyList<T>> _values;

    internal InMemoryColumnView(string name, DataViewType type, Func<IReadOnlyList<T>> values)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(name, type);
        Schema = builder.ToSchema();
        _values = values;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, _values());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(InMemoryColumnView<T> view, IReadOnlyList<T> values) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext() => ++_position < values.Count;

        public override bool IsColumnActive(DataViewSchema.Column column) => column.Index == 0;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != 0 || typeof(TValue) != typeof(T))
                throw new InvalidOperationException($"Column '{column.Name}' holds {typeof(T).Name} values; {typeof(TValue).Name} was asked for.");
            return (ValueGetter<TValue>)(Delegate)(ValueGetter<T>)((ref T value) => value = values[(int)_position]);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }
}
