using Microsoft.ML;

namespace MLExtensions.Mapping;

/// <summary>The lazy result of a transformer's <c>Transform</c>: the input view with the mapper's columns added.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ColumnMapper _mapper;

    private readonly bool _canReadAhead;

    public MappedDataView(IDataView input, ColumnMapper mapper)
    {
        _input = input;
        _mapper = mapper;
        // A second cursor sees the same values only if no dependency draws new ones on every pass (AugmentImages'
        // training view does); otherwise each row is computed from the cursor that shows it.
        _canReadAhead = mapper.ReadsAhead && !mapper.InputColumnsFor(AddedColumns()).Any(c =>
            c.Annotations.Schema.GetColumnOrNull(AugmentImagesTransformer.AugmentedAnnotation) is not null);
    }

    private IEnumerable<DataViewSchema.Column> AddedColumns() => _mapper.OutputSchema.Skip(_mapper.InputSchema.Count);

    public DataViewSchema Schema => _mapper.OutputSchema;
    public bool CanShuffle => _input.CanShuffle;
    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.ToArray();
        // A look-ahead cursor sees the rows in the same order only when the order is not randomised.
        Func<DataViewRowCursor>? lookahead = _canReadAhead && rand is null
            ? () => _input.GetRowCursor(_mapper.InputColumnsFor(AddedColumns()))
            : null;
        return new MappedCursor(_mapper, _input.GetRowCursor(_mapper.InputColumnsFor(active), rand), active, lookahead);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = columnsNeeded.ToArray();
        // Returning fewer cursors than asked for is allowed; one batched cursor beats several row-at-a-time ones.
        if (_canReadAhead)
            return [GetRowCursor(active, rand)];
        return _input.GetRowCursorSet(_mapper.InputColumnsFor(active), n, rand)
            .Select(cursor => (DataViewRowCursor)new MappedCursor(_mapper, cursor, active))
            .ToArray();
    }
}
