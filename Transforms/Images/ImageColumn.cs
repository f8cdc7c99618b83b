using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLExtensions.Images;

/// <summary>Finds and checks a column holding planar C×H×W float images, with errors that name what is wrong.</summary>
internal static class ImageColumn
{
    /// <summary>The text column an image folder's rows name their files in; readers name the file in errors when it is there.</summary>
    internal const string PathColumnName = "ImagePath";

    /// <summary>The input's image path column, when it has one of text: read alongside the images so errors can name files.</summary>
    internal static DataViewSchema.Column? PathColumn(DataViewSchema schema)
        => schema.GetColumnOrNull(PathColumnName) is { Type: TextDataViewType } column ? column : null;

    /// <summary>
    /// Returns the column and its image shape. A vector with dimensions [C,H,W] carries its own shape, [H,W] is
    /// one channel; a flat vector needs <paramref name="declared"/>, which must then match its length.
    /// </summary>
    /// <param name="schema">The input schema.</param>
    /// <param name="columnName">The image column's name.</param>
    /// <param name="declared">The shape the options declare, or null.</param>
    /// <param name="allowMLImage">Accept an image column or encoded image bytes too.</param>
    /// <param name="resizeImages">An image column of another size is resized to <paramref name="declared"/> (a fitted model scoring).</param>
    internal static (DataViewSchema.Column Column, ImageShape Shape) Resolve(DataViewSchema schema, string columnName, ImageShape? declared,
        bool allowMLImage = false, bool resizeImages = false)
    {
        var column = Find(schema, columnName);
        if (allowMLImage && column.Type is ImageDataViewType image)
            return (column, resizeImages && declared is not null ? declared : ResolveMLImage(columnName, image, declared));
        if (allowMLImage && IsEncoded(column))
            return (column, declared ?? throw new ArgumentOutOfRangeException(nameof(declared),
                $"Column '{columnName}' holds encoded image bytes, so the size to decode them to is unknown: set ImageHeight and ImageWidth in the options."));
        if (!allowMLImage && (column.Type is ImageDataViewType || IsEncoded(column)))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{columnName}' holds {(IsEncoded(column) ? "encoded image bytes" : "images")}, and this step needs planar C×H×W floats: " +
                $"add {(IsEncoded(column) ? "mlContext.Transforms.LoadImages(…) instead of the raw bytes, then " : "")}mlContext.Transforms.ResizeImages(…) " +
                $"and .ExtractPixels(\"Pixels\", \"{columnName}\") before it, and give it the extracted column.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{columnName}' must be a vector of Single (float) holding a planar C×H×W image, but it is {Describe(column.Type)}.");
        if (!vector.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{columnName}' must be a vector of known size holding a planar C×H×W image, but it is {Describe(column.Type)}.");

        var dims = vector.Dimensions;
        ImageShape? carried = dims.Length switch
        {
            3 => new ImageShape(dims[0], dims[1], dims[2]),
            2 => new ImageShape(1, dims[0], dims[1]),
            _ => null,
        };
        var shape = declared ?? carried ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"Column '{columnName}' is a flat vector of {vector.Size} floats, so its image shape is unknown: " +
            "set ImageHeight, ImageWidth and Channels in the options, or give the column [C,H,W] dimensions.");
        if (shape.Size != vector.Size)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{columnName}' was expected to hold images of shape {shape} ({shape.Size} floats), but it holds {vector.Size} floats ({Describe(column.Type)}).");
        if (declared != null && carried != null && declared != carried)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{columnName}' has dimensions {carried}, which contradict the declared image shape {declared}.");
        return (column, shape);
    }

    internal static bool IsMLImage(DataViewSchema.Column column) => column.Type is ImageDataViewType;

    /// <summary>
    /// A variable-length byte vector: an encoded image file's bytes, as <c>LoadRawImageBytes</c> gives them.
    /// </summary>
    internal static bool IsEncoded(DataViewSchema.Column column) => column.Type is VectorDataViewType { IsKnownSize: false } v && v.ItemType == NumberDataViewType.Byte;

    /// <summary>True when the column's images are 8-bit (decoded or encoded), so they can be kept as bytes.</summary>
    internal static bool HasBytes(DataViewSchema.Column column) => IsMLImage(column) || IsEncoded(column);

    // An MLImage column is read as RGB (3 channels) or luma (1 channel), at the size its type declares.
    private static ImageShape ResolveMLImage(string columnName, ImageDataViewType type, ImageShape? declared)
    {
        if (declared is { Channels: not (1 or 3) })
            throw new ArgumentOutOfRangeException(nameof(declared), $"Column '{columnName}' holds images, which are read with 1 (grey) or 3 (RGB) channels, not {declared.Channels}.");
        if (type.Height == 0 || type.Width == 0)
            return declared ?? throw new ArgumentOutOfRangeException(nameof(type),
                $"Column '{columnName}' holds images of unknown size: resize them with ResizeImages, or set ImageHeight and ImageWidth.");
        var shape = new ImageShape(declared?.Channels ?? 3, type.Height, type.Width);
        if (declared is not null && declared != shape)
            throw new ArgumentOutOfRangeException(nameof(declared), $"Column '{columnName}' holds {type.Width}×{type.Height} images, which contradicts the declared shape {declared}.");
        return shape;
    }

    internal static DataViewSchema.Column Find(DataViewSchema schema, string columnName)
        => schema.GetColumnOrNull(columnName) ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"Column '{columnName}' was not found in the input data. Available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");

    internal static string Describe(DataViewType type) => type switch
    {
        ImageDataViewType => "images (MLImage)",
        VectorDataViewType { IsKnownSize: false } v => $"a variable-length vector of {v.ItemType}",
        VectorDataViewType v => $"a vector of {v.ItemType} with dimensions [{string.Join(", ", v.Dimensions)}]",
        _ => $"a scalar {type}",
    };
}
