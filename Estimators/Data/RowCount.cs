using Microsoft.ML;

namespace MLExtensions.Data;

internal static class RowCount
{
    /// <summary>The number of rows, from the view when it knows it, otherwise by a pass with no column active.</summary>
    internal static long Of(IDataView data)
    {
        if (data.GetRowCount() is long known)
            return known;
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
            count++;
        return count;
    }
}
