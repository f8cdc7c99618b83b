using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;
using MLExtensions.Mapping;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>
/// Subtracts fitted mean statistics from planar C×H×W float images, optionally dividing by the fitted standard
/// deviation. Produced by <c>mlContext.Transforms.SubtractMean(...)</c>; the statistics come from the data passed
/// to <c>Fit</c> only and every later transform uses them unchanged.
/// </summary>
public sealed class MeanSubtractionTransformer : RowMappingTransformer
{
    internal const string LoaderSignature = "MeanSubtractionTransform";
    // 0x00010002: the whole entry is checksummed (ModelPersistence); 0x00010001 models still load.
    internal static readonly ModelFormat ModelFormat = new("MEANSUBT", LoaderSignature, 0x00010002, 0x00010001, firstChecksummedVersion: 0x00010002);

    // A standard deviation below this is treated as 1 (a constant value is centred but not scaled).
    internal const float MinimumStd = 1e-8f;

    private readonly float[] _mean;
    private readonly float[] _std;

    internal MeanSubtractionTransformer(string outputColumnName, string inputColumnName, MeanSubtractionMode mode,
        bool divideByStd, ImageShape shape, float[] mean, float[] std, long sampleCount)
    {
        int expected = mode == MeanSubtractionMode.PerPixel ? shape.Size : shape.Channels;
        if (mean.Length != expected || std.Length != expected)
            throw new ArgumentException($"{mode} statistics for shape {shape} need {expected} values, got {mean.Length} means and {std.Length} stds.");
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Mode = mode;
        DivideByStd = divideByStd;
        Shape = shape;
        _mean = mean;
        _std = std;
        SampleCount = sampleCount;
    }

    /// <summary>The normalized column.</summary>
    public string OutputColumnName { get; }

    /// <summary>The image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Whether one mean per pixel and channel or one per channel is subtracted.</summary>
    public MeanSubtractionMode Mode { get; }

    /// <summary>Whether values are also divided by the matching standard deviation.</summary>
    public bool DivideByStd { get; }

    /// <summary>The image shape [C,H,W] the statistics are for.</summary>
    public ImageShape Shape { get; }

    /// <summary>Rows the statistics were computed from.</summary>
    public long SampleCount { get; }

    /// <summary>
    /// The fitted means: C values for <see cref="MeanSubtractionMode.PerChannel"/>, C×H×W (the mean image) for
    /// <see cref="MeanSubtractionMode.PerPixel"/>.
    /// </summary>
    public IReadOnlyList<float> Mean => Array.AsReadOnly(_mean);

    /// <summary>
    /// The fitted population standard deviations, laid out like <see cref="Mean"/>; only divided by when
    /// <see cref="DivideByStd"/>.
    /// </summary>
    public IReadOnlyList<float> StandardDeviation => Array.AsReadOnly(_std);

    /// <summary>
    /// The mean as a full C×H×W image (per-channel means repeated over each plane), e.g. to look at it.
    /// </summary>
    public float[] GetMeanImage() => Expand(_mean);

    private float[] Expand(float[] statistics)
    {
        if (Mode == MeanSubtractionMode.PerPixel)
            return (float[])statistics.Clone();
        var image = new float[Shape.Size];
        for (int c = 0; c < Shape.Channels; c++)
            image.AsSpan(c * Shape.PlaneSize, Shape.PlaneSize).Fill(statistics[c]);
        return image;
    }

    private protected override ModelFormat Format => ModelFormat;

    private protected override void SaveContents(BinaryWriter writer)
    {
        writer.Write(OutputColumnName);
        writer.Write(InputColumnName);
        writer.Write((int)Mode);
        writer.Write(DivideByStd);
        writer.Write(Shape.Channels);
        writer.Write(Shape.Height);
        writer.Write(Shape.Width);
        writer.Write(SampleCount);
        writer.Write(_mean.Length);
        foreach (var value in _mean)
            writer.Write(value);
        foreach (var value in _std)
            writer.Write(value);
    }

    internal static MeanSubtractionTransformer Load(BinaryReader reader)
    {
        var output = reader.ReadString();
        var input = reader.ReadString();
        var mode = (MeanSubtractionMode)reader.ReadInt32();
        if (!Enum.IsDefined(mode))
            throw new InvalidDataException($"The model holds an unknown mean-subtraction mode {(int)mode}.");
        var divide = reader.ReadBoolean();
        var shape = new ImageShape(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        var samples = reader.ReadInt64();
        int count = reader.ReadInt32();
        var mean = ReadFloats(reader, count);
        var std = ReadFloats(reader, count);
        return new MeanSubtractionTransformer(output, input, mode, divide, shape, mean, std, samples);
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = reader.ReadSingle();
        return values;
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly DataViewSchema.Column _input;
        private readonly ImageShape _shape;
        private readonly DataViewSchema.DetachedColumn[] _added;
        private readonly float[] _offset;
        private readonly float[] _divisor;

        public Mapper(MeanSubtractionTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            (_input, _shape) = ImageColumn.Resolve(inputSchema, parent.InputColumnName, parent.Shape);
            // The output keeps the input's type (so its dimensions) and annotations.
            _added = [new DataViewSchema.DetachedColumn(parent.OutputColumnName, _input.Type, _input.Annotations)];
            _offset = parent.Expand(parent._mean);
            _divisor = parent.Expand(parent._std);
            for (int i = 0; i < _divisor.Length; i++)
                _divisor[i] = parent.DivideByStd && _divisor[i] >= MinimumStd ? _divisor[i] : 1f;
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int addedIndex) => [_input];

        public override Delegate MakeGetter(DataViewRow input, int addedIndex)
        {
            var reader = ImageReader.Create(input, _input, _shape);
            var offset = _offset;
            var divisor = _divisor;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                var editor = VBufferEditor.Create(ref destination, offset.Length);
                reader.Read(editor.Values);
                var values = editor.Values;
                for (int i = 0; i < values.Length; i++)
                    values[i] = (values[i] - offset[i]) / divisor[i];
                destination = editor.Commit();
            };
            return getter;
        }
    }
}
