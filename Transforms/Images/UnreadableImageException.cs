namespace MLExtensions;

/// <summary>
/// An image column's bytes at a row are not an image SkiaSharp can decode (corrupt, truncated, or another kind of
/// file).
/// </summary>
public sealed class UnreadableImageException : IOException
{
    internal UnreadableImageException(string column, long row, string? file = null)
        : base($"Column '{column}' holds bytes at row {row}{(file is null ? "" : $" (file '{file}')")} that are not a readable image " +
               "(corrupt, truncated, or not an image file). Remove the file, or set SkipUnreadableImages to leave such rows out and count them.")
    {
        Column = column;
        Row = row;
        File = file;
    }

    /// <summary>The column holding the bytes.</summary>
    public string Column { get; }

    /// <summary>The row (0-based) of the data view.</summary>
    public long Row { get; }

    /// <summary>The image file, when the data says which one (e.g. an image folder's path column).</summary>
    public string? File { get; }
}
