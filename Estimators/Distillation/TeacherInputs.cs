using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLExtensions.Data;
using MLExtensions.Images;

namespace MLExtensions.Distillation;

/// <summary>
/// Presents a batch of the student's images to the teacher in the form of the student's feature column: float vectors
/// [C,H,W] as they are, images (an <c>MLImage</c> or encoded-bytes column) as <c>MLImage</c>s of the student's size,
/// quantized back to 8 bits (exact for images that were not augmented; a one-channel student's grey image becomes R = G = B).
/// </summary>
internal abstract class TeacherInputs
{
    /// <param name="column">The student's feature column in the training data.</param>
    /// <param name="shape">The shape it resolves to (for images, the declared size; batches bring their own).</param>
    internal static TeacherInputs For(DataViewSchema.Column column, ImageShape shape) => ImageColumn.HasBytes(column)
        ? new ImageInputs(column.Name, column.Type as ImageDataViewType ?? new ImageDataViewType(shape.Height, shape.Width))
        : new VectorInputs(column.Name, shape);

    /// <summary>An empty view with only the feature column: what the teacher will be given.</summary>
    internal abstract IDataView Empty();

    /// <summary>A view of images <paramref name="rows"/> of <paramref name="images"/>, each of <paramref name="shape"/>.</summary>
    internal abstract IDataView Of(float[] images, ImageShape shape, IReadOnlyList<int> rows);

    private sealed class VectorInputs : TeacherInputs
    {
        // Only builds the in-memory views handed to the teacher, which scores with its own environment.
        private readonly MLContext _views = new();
        private readonly SchemaDefinition _schema;

        internal VectorInputs(string column, ImageShape shape)
        {
            _schema = SchemaDefinition.Create(typeof(VectorRow));
            _schema[0].ColumnName = column;
            _schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, shape.Channels, shape.Height, shape.Width);
        }

        internal override IDataView Empty() => _views.Data.LoadFromEnumerable(Array.Empty<VectorRow>(), _schema);

        internal override IDataView Of(float[] images, ImageShape shape, IReadOnlyList<int> rows)
            => _views.Data.LoadFromEnumerable(rows.Select(i => new VectorRow { Features = images.AsSpan(i * shape.Size, shape.Size).ToArray() }).ToArray(), _schema);
    }

    private sealed class ImageInputs(string column, ImageDataViewType type) : TeacherInputs
    {
        internal override IDataView Empty() => new InMemoryColumnView<MLImage>(column, type, () => []);

        internal override IDataView Of(float[] images, ImageShape shape, IReadOnlyList<int> rows)
            => new InMemoryColumnView<MLImage>(column, type, () => rows.Select(i => ToImage(images.AsSpan(i * shape.Size, shape.Size), shape)).ToArray());

        private static MLImage ToImage(ReadOnlySpan<float> planes, ImageShape shape)
        {
            int plane = shape.Height * shape.Width;
            var rgba = new byte[plane * 4];
            for (int p = 0; p < plane; p++)
            {
                for (int c = 0; c < 3; c++)
                    rgba[4 * p + c] = ToByte(planes[(shape.Channels == 1 ? 0 : c) * plane + p]);
                rgba[4 * p + 3] = 255;
            }
            return MLImage.CreateFromPixels(shape.Width, shape.Height, MLPixelFormat.Rgba32, rgba);
        }

        private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value * 255), 0, 255);
    }

    private sealed class VectorRow
    {
        public float[] Features { get; set; } = [];
    }
}
