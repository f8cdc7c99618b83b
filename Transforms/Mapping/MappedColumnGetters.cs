using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Mapping;

/// <summary>The getter dispatch shared by <see cref="MappedRow"/> and <see cref="MappedCursor"/>.</summary>
internal sealed class MappedColumnGetters : IDisposable
{
    private readonly List<IDisposable> _resources = [];
    private readonly ColumnMapper _mapper;
    private readonly DataViewRow _input;
    private readonly Delegate?[] _added;

    public MappedColumnGetters(ColumnMapper mapper, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns,
        Func<DataViewRowCursor>? openLookahead = null)
    {
        _mapper = mapper;
        _input = input;
        var active = new bool[mapper.AddedColumns.Count];
        foreach (var column in activeColumns)
            if (column.Index >= mapper.InputSchema.Count)
                active[column.Index - mapper.InputSchema.Count] = true;
        _added = active.Any(a => a) ? mapper.MakeGetters(input, active, openLookahead, _resources) : new Delegate?[active.Length];
    }

    public bool IsColumnActive(DataViewSchema.Column column)
    {
        int added = column.Index - _mapper.InputSchema.Count;
        return added < 0 ? _input.IsColumnActive(_input.Schema[column.Index]) : _added[added] != null;
    }

    public ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        int added = column.Index - _mapper.InputSchema.Count;
        if (added < 0)
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        var getter = _added[added] ?? throw new InvalidOperationException(
            $"Column '{column.Name}' was not requested as active when the cursor or row was created.");
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' holds {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    public void Dispose()
    {
        foreach (var resource in _resources)
            resource.Dispose();
        _resources.Clear();
    }
}
