namespace MLExtensions.Data;

/// <summary>The first few of a list of names (files, rows) for a log line or an error, with "…" when there are more.</summary>
internal static class NameSample
{
    internal static string Of(IReadOnlyCollection<string> names, int shown = 5)
        => string.Join(", ", names.Take(shown)) + (names.Count > shown ? ", …" : "");
}
