using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Images;

/// <summary>Reads one row's image as planar C×H×W floats, from a float vector or from an <see cref="MLImage"/>.</summary>
internal abstract class ImageReader
{
    protected ImageReader(DataViewSchema.Column column, ImageShape shape)
    {
        Column = column;
        Shape = shape;
    }

    protected DataViewSchema.Column Column { get; }
    protected ImageShape Shape { get; }

    /// <summary>Writes the current row's <see cref="ImageShape.Size"/> values into <paramref name="destination"/>.</summary>
    public abstract void Read(Span<float> destination);

    /// <summary>A reader for <paramref name="column"/> of <paramref name="row"/>, checked by <see cref="ImageColumn.Resolve"/>.</summary>
    internal static ImageReader Create(DataViewRow row, DataViewSchema.Column column, ImageShape shape)
        => ImageColumn.IsMLImage(column) ? new MLImageReader(row, column, shape) : new VectorReader(row, column, shape);

    private sealed class VectorReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape) : ImageReader(column, shape)
    {
        private readonly ValueGetter<VBuffer<float>> _getter = row.GetGetter<VBuffer<float>>(column);
        private VBuffer<float> _buffer;

        public override void Read(Span<float> destination)
        {
            _getter(ref _buffer);
            _buffer.CopyTo(destination[..Shape.Size]);
        }
    }

    /// <summary>RGB (or luma for one channel) planes scaled to [0, 1]; alpha is dropped.</summary>
    private sealed class MLImageReader(DataViewRow row, DataViewSchema.Column column, ImageShape shape) : ImageReader(column, shape)
    {
        private readonly ValueGetter<MLImage> _getter = row.GetGetter<MLImage>(column);
        private MLImage? _image;

        public override void Read(Span<float> destination)
        {
            _getter(ref _image!);
            if (_image is null)
                throw new InvalidOperationException($"Column '{Column.Name}' has a missing image at row {row.Position}.");
            if (_image.Width != Shape.Width || _image.Height != Shape.Height)
                throw new InvalidOperationException(
                    $"Column '{Column.Name}' has a {_image.Width}×{_image.Height} image at row {row.Position}; expected {Shape.Width}×{Shape.Height} (use ResizeImages).");
            var pixels = _image.Pixels;
            int plane = Shape.PlaneSize;
            if (pixels.Length != plane * 4)
                throw new InvalidOperationException($"Column '{Column.Name}': unsupported pixel layout ({pixels.Length} bytes for {plane} pixels).");
            bool bgra = _image.PixelFormat == MLPixelFormat.Bgra32;
            int red = bgra ? 2 : 0, blue = bgra ? 0 : 2;
            const float scale = 1f / 255;
            for (int p = 0; p < plane; p++)
            {
                float r = pixels[4 * p + red] * scale, g = pixels[4 * p + 1] * scale, b = pixels[4 * p + blue] * scale;
                if (Shape.Channels == 1)
                    destination[p] = 0.299f * r + 0.587f * g + 0.114f * b;
                else
                {
                    destination[p] = r;
                    destination[plane + p] = g;
                    destination[2 * plane + p] = b;
                }
            }
        }
    }
}
