namespace MLExtensions;

/// <summary>An image column's bytes at a row are not an image SkiaSharp can decode (corrupt, truncated, or another kind of file).</summary>
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

    public string Column { get; }
    public long Row { get; }
    public string? File { get; }
}
