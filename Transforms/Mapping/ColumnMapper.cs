using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Mapping;

/// <summary>
/// Adds computed columns to rows of a given input schema. One instance is bound to one input schema;
/// the same mapper serves whole data views (<see cref="MappedDataView"/>) and single rows (<see cref="RowMapper"/>).
/// </summary>
internal abstract class ColumnMapper
{
    private DataViewSchema? _outputSchema;

    protected ColumnMapper(DataViewSchema inputSchema) => InputSchema = inputSchema;

    public DataViewSchema InputSchema { get; }

    /// <summary>The columns this mapper adds, appended after the input's columns (hiding same-named ones).</summary>
    public abstract IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns { get; }

    /// <summary>Input columns needed to compute added column <paramref name="addedIndex"/>.</summary>
    public abstract IEnumerable<DataViewSchema.Column> GetDependencies(int addedIndex);

    /// <summary>A getter (a <see cref="ValueGetter{TValue}"/> of the column's raw type) reading from <paramref name="input"/>.</summary>
    public abstract Delegate MakeGetter(DataViewRow input, int addedIndex);

    /// <summary>
    /// Getters for the added columns marked active (null elsewhere). <paramref name="openLookahead"/>, when given,
    /// opens a second cursor over the same input rows in the same order with this mapper's dependencies active,
    /// so a mapper can compute many rows at once ahead of <paramref name="input"/>. What the getters hold open goes
    /// into <paramref name="resources"/>, disposed with the row or cursor.
    /// </summary>
    public virtual Delegate?[] MakeGetters(DataViewRow input, bool[] active, Func<DataViewRowCursor>? openLookahead,
        ICollection<IDisposable> resources)
    {
        var getters = new Delegate?[active.Length];
        for (int i = 0; i < active.Length; i++)
            if (active[i])
                getters[i] = MakeGetter(input, i);
        return getters;
    }

    /// <summary>True when <see cref="MakeGetters"/> makes use of a look-ahead cursor.</summary>
    public virtual bool ReadsAhead => false;

    public DataViewSchema OutputSchema => _outputSchema ??= BuildOutputSchema();

    /// <summary>Input columns needed to serve the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in outputColumns)
        {
            if (column.Index < InputSchema.Count)
                needed.Add(column.Index);
            else
                foreach (var dependency in GetDependencies(column.Index - InputSchema.Count))
                    needed.Add(dependency.Index);
        }
        return needed.OrderBy(i => i).Select(i => InputSchema[i]).ToArray();
    }

    private DataViewSchema BuildOutputSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(InputSchema);
        foreach (var column in AddedColumns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }
}
