using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Images;

/// <summary>
/// Reads one row's image as planar C×H×W floats, from a float vector, an <see cref="MLImage"/> or encoded image bytes.
/// This is the one place every transformer and trainer reads images through, so the input contract lives here: a
/// missing image or a vector of another length than the shape is an <see cref="InvalidImageInputException"/> naming the
/// column, the row and (when the data has an image path column) the file; nothing is left over from another row.
/// </summary>
internal abstract class ImageReader
{
    private readonly DataViewRow _row;
    private readonly Func<string?> _file;

    protected ImageReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape)
    {
        _row = row;
        Column = column;
        Shape = shape;
        _file = FileNames(row);
    }

    protected DataViewSchema.Column Column { get; }
    protected ImageShape Shape { get; }

    /// <summary>The current row's position, for errors.</summary>
    protected long Position => _row.Position;

    /// <summary>The current row's image file, when the row has an image path column (an image folder's); else null.</summary>
    internal string? File() => _file();

    /// <summary>Writes the current row's <see cref="ImageShape.Size"/> values into <paramref name="destination"/>.</summary>
    public abstract void Read(Span<float> destination);

    /// <summary>Writes the current row's 8-bit R, G, B planes (see <see cref="BytePixels"/>) into <paramref name="destination"/>.</summary>
    public virtual void ReadBytes(Span<byte> destination)
        => throw new NotSupportedException($"Column '{Column.Name}' holds floats, not 8-bit images.");

    /// <summary>A reader for <paramref name="column"/> of <paramref name="row"/>, checked by <see cref="ImageColumn.Resolve"/>.</summary>
    internal static ImageReader Create(DataViewRow row, DataViewSchema.Column column, ImageShape shape)
        => ImageColumn.IsMLImage(column) ? new MLImageReader(row, column, shape)
            : ImageColumn.IsEncoded(column) ? new EncodedReader(row, column, shape)
            : new VectorReader(row, column, shape);

    /// <summary>The image path column (<see cref="ImageColumn.PathColumnName"/>) of the row, when it has one and it is active.</summary>
    private static Func<string?> FileNames(DataViewRow row)
    {
        if (ImageColumn.PathColumn(row.Schema) is not { } column || !row.IsColumnActive(column))
            return () => null;
        var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> value = default;
        return () =>
        {
            getter(ref value);
            return value.ToString();
        };
    }

    private sealed class VectorReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape) : ImageReader(row, column, shape)
    {
        private readonly ValueGetter<VBuffer<float>> _getter = row.GetGetter<VBuffer<float>>(column);
        private VBuffer<float> _buffer;

        public override void Read(Span<float> destination)
        {
            _getter(ref _buffer);
            if (_buffer.Length != Shape.Size)
                throw InvalidImageInputException.WrongLength(Column.Name, Position, File(), Shape, _buffer.Length);
            _buffer.CopyTo(destination[..Shape.Size]);
        }
    }

    /// <summary>
    /// An 8-bit source: <see cref="ReadBytes"/> gives its R, G, B planes, and <see cref="Read"/> turns them into RGB (or
    /// luma for one channel) planes scaled to [0, 1] as <see cref="BytePixels"/> does.
    /// </summary>
    private abstract class ByteImageReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape) : ImageReader(row, column, shape)
    {
        private readonly byte[] _planes = new byte[BytePixels.StoredChannels * shape.PlaneSize];

        public sealed override void Read(Span<float> destination)
        {
            ReadBytes(_planes);
            BytePixels.ToFloats(_planes, Shape.Channels, destination);
        }
    }

    /// <summary>An <see cref="MLImage"/>; one of another size is resized to the shape first (<see cref="ImageResizing"/>).</summary>
    private sealed class MLImageReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape) : ByteImageReader(row, column, shape)
    {
        private readonly ValueGetter<MLImage> _getter = row.GetGetter<MLImage>(column);
        private MLImage? _image;

        public override void ReadBytes(Span<byte> destination)
        {
            _getter(ref _image!);
            if (_image is null)
                throw InvalidImageInputException.Missing(Column.Name, Position, File(), Shape, "a null MLImage");
            if (_image.Width == Shape.Width && _image.Height == Shape.Height)
                BytePixels.ReadPlanes(_image, destination, Column.Name, Position);
            else
                ImageResizing.CoverAndCrop(_image, Shape.Width, Shape.Height, destination);
        }
    }

    /// <summary>Encoded image bytes (<c>LoadRawImageBytes</c>), decoded and resized to the shape by <see cref="EncodedImage"/>.</summary>
    private sealed class EncodedReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape) : ByteImageReader(row, column, shape)
    {
        private readonly ValueGetter<VBuffer<byte>> _getter = row.GetGetter<VBuffer<byte>>(column);
        private VBuffer<byte> _encoded;

        public override void ReadBytes(Span<byte> destination)
        {
            _getter(ref _encoded);
            if (_encoded.Length == 0)
                throw InvalidImageInputException.Missing(Column.Name, Position, File(), Shape, "no encoded bytes");
            if (!EncodedImage.TryDecode(_encoded.GetValues(), Shape.Width, Shape.Height, destination))
                throw new UnreadableImageException(Column.Name, Position, File());
        }
    }
}
