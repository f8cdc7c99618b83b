namespace MLExtensions;

/// <summary>
/// A row's image cannot be used as it is: missing (null or empty), of another length than the model's image shape,
/// or, at training, holding a NaN or infinite value. The message names the column, the row (and the file when the
/// data says which one), what was expected and what the row holds. An <see cref="InvalidOperationException"/>, as
/// ML.NET's own errors about a row's data are.
/// </summary>
public sealed class InvalidImageInputException : InvalidOperationException
{
    internal InvalidImageInputException(string column, long row, string? file, string problem, string fix)
        : base($"Column '{column}' {Where(row, file)} {problem}. {fix}")
    {
        Column = column;
        Row = row;
        File = file;
    }

    /// <summary>The image column.</summary>
    public string Column { get; }

    /// <summary>The row (0-based) of the data view; for a PredictionEngine, the how-many-th prediction (0-based).</summary>
    public long Row { get; }

    /// <summary>The image file, when the data says which one (e.g. an image folder's path column).</summary>
    public string? File { get; }

    private static string Where(long row, string? file) => file is null ? $"at row {row}" : $"at row {row} (file '{file}')";

    internal static InvalidImageInputException WrongLength(string column, long row, string? file, ImageShape shape, int length)
        => length == 0 ? Missing(column, row, file, shape, "a null or empty vector")
            : new(column, row, file, $"holds {length} floats, but the model reads images of shape {shape} ({shape.Size} floats)",
                "Give every row a complete image of that shape (resize images of other sizes before extracting their pixels), or leave the row out.");

    internal static InvalidImageInputException Missing(string column, long row, string? file, ImageShape shape, string what)
        => new(column, row, file, $"holds no image ({what}), but the model reads images of shape {shape}",
            "Give every row an image, or leave the row out.");

    internal static InvalidImageInputException NonFinite(string column, string role, long row, string? file, int element, float value)
        => new(column, row, file, $"of the {role} data holds a non-finite value ({value.ToString(System.Globalization.CultureInfo.InvariantCulture)}) at element {element}",
            "Fix or remove the row, or set SkipNonFiniteImages to leave such rows out of training and count them.");
}
