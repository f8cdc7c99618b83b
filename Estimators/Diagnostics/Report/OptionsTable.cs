using System.Collections;
using System.Globalization;
using Microsoft.ML;

namespace MLExtensions.Diagnostics;

/// <summary>Training options as name/value rows: public settable properties, in declaration order, with readable values.</summary>
internal static class OptionsTable
{
    internal static IEnumerable<string[]> Rows(CnnTrainingOptions options)
        => options.GetType().GetProperties()
            .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.DeclaringType == options.GetType() ? 0 : 1).ThenBy(p => p.MetadataToken)
            .Select(p => new[] { p.Name, Format(p.GetValue(options)) });

    private static string Format(object? value) => value switch
    {
        null => "(default)",
        string text => text,
        IDataView => "(a data view)",
        Delegate => "(set)",
        CancellationToken token => token.CanBeCanceled ? "(set)" : "(none)",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Select(Format))}]",
        _ => value.ToString() ?? "",
    };
}
