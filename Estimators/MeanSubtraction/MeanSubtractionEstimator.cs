using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Data;
using MLExtensions.Images;
using MLExtensions.MeanSubtraction;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>
/// Fits <see cref="MeanSubtractionTransformer"/>: computes the mean image or per-channel means (and standard
/// deviations) of a planar C×H×W float image column from the training data only.
/// Create it with <c>mlContext.Transforms.SubtractMean(...)</c>.
/// </summary>
public sealed class MeanSubtractionEstimator : IEstimator<MeanSubtractionTransformer>
{
    /// <summary>The columns, the statistics to compute, and the image shape.</summary>
    public sealed class Options
    {
        /// <summary>Name of the column to produce. Default "Features".</summary>
        public string OutputColumnName { get; set; } = "Features";

        /// <summary>Name of the image column to read; null means the same as <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName { get; set; }

        /// <summary>
        /// One mean per pixel position and channel, or one per channel. Default
        /// <see cref="MeanSubtractionMode.PerChannel"/>.
        /// </summary>
        public MeanSubtractionMode Mode { get; set; } = MeanSubtractionMode.PerChannel;

        /// <summary>
        /// Also divide by the matching standard deviation (values with zero deviation are not scaled). Default false.
        /// </summary>
        public bool DivideByStd { get; set; }

        /// <summary>Compute the statistics from at most this many rows (all rows when null).</summary>
        public int? MaxSamples { get; set; }

        /// <summary>Which rows <see cref="MaxSamples"/> keeps. Default <see cref="RowSampling.First"/>.</summary>
        public RowSampling Sampling { get; set; } = RowSampling.First;

        /// <summary>Seed for <see cref="RowSampling.Random"/>; null takes one from the MLContext's seed.</summary>
        public int? Seed { get; set; }

        /// <summary>
        /// Image shape of a flat input vector; not needed when the column has [C,H,W] dimensions. Default null (from
        /// the column).
        /// </summary>
        public int? ImageHeight { get; set; }

        /// <summary>
        /// Image width of a flat input vector (set with <see cref="ImageHeight"/>). Default null (from the column).
        /// </summary>
        public int? ImageWidth { get; set; }

        /// <summary>Channels of a flat input vector; null: 1.</summary>
        public int? Channels { get; set; }
    }

    private const int CancellationCheckInterval = 1024;

    private readonly IHost _host;
    private readonly Options _options;
    private readonly string _inputColumnName;
    private readonly ImageShape? _declaredShape;

    internal MeanSubtractionEstimator(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("OutputColumnName must name a column.", nameof(options));
        if (options.MaxSamples is <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxSamples must be positive, got {options.MaxSamples}.");
        _host = env.Register(nameof(MeanSubtractionEstimator));
        _options = options;
        _inputColumnName = options.InputColumnName ?? options.OutputColumnName;
        _declaredShape = DeclaredShape(options);
    }

    private static ImageShape? DeclaredShape(Options options)
    {
        if (options.ImageHeight is null && options.ImageWidth is null && options.Channels is null)
            return null;
        if (options.ImageHeight is not int height || options.ImageWidth is not int width)
            throw new ArgumentException("ImageHeight and ImageWidth must be set together (Channels defaults to 1).", nameof(options));
        return new ImageShape(options.Channels ?? 1, height, width);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, _inputColumnName, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{_inputColumnName}' was not found in the input schema. Available columns: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}.");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.IsKey || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{_inputColumnName}' must be a known-size vector of Single (float) holding a planar C×H×W image, but it is {column.Kind} of {column.ItemType}{(column.IsKey ? " (key)" : "")}.");
        return SchemaShapes.With(inputSchema, SchemaShapes.Column(_options.OutputColumnName,
            SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, column.Annotations));
    }

    /// <inheritdoc />
    public MeanSubtractionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (column, shape) = ImageColumn.Resolve(input.Schema, _inputColumnName, _declaredShape);
        var selected = SelectRows(input);
        var accumulator = new ImageStatisticsAccumulator(shape, _options.Mode);
        var buffer = default(VBuffer<float>);
        var image = new float[shape.Size];

        using (var channel = _host.Start(nameof(Fit)))
        using (var cursor = input.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            long row = -1;
            while (cursor.MoveNext())
            {
                row++;
                if (row % CancellationCheckInterval == 0)
                    HostServices.ThrowIfCancelled(_host);
                if (selected is not null && !selected.Contains(row))
                    continue;
                getter(ref buffer);
                buffer.CopyTo(image);
                CheckFinite(image, row);
                accumulator.Add(image);
                if (selected is null && _options.MaxSamples is int max && accumulator.Rows >= max)
                    break;
            }
            if (accumulator.Rows == 0)
                throw new InvalidOperationException($"SubtractMean cannot fit: the input data has no rows in column '{_inputColumnName}'.");
            channel.Info(MessageSensitivity.None, $"SubtractMean: {_options.Mode} statistics of column '{_inputColumnName}' {shape} from {accumulator.Rows} rows.");
        }

        var (mean, std) = accumulator.Result();
        return new MeanSubtractionTransformer(_options.OutputColumnName, _inputColumnName, _options.Mode,
            _options.DivideByStd, shape, mean, std, accumulator.Rows);
    }

    // Row indices of a seeded uniform random subset when sampling randomly; null when taking rows in order.
    private HashSet<long>? SelectRows(IDataView input)
    {
        if (_options.MaxSamples is not int max || _options.Sampling == RowSampling.First)
            return null;
        long count = RowCount.Of(input);
        if (max >= count)
            return null;
        var random = new Random(_options.Seed ?? _host.Rand.Next());
        // Floyd's algorithm: max distinct indices from [0, count) without materialising the range.
        var chosen = new HashSet<long>();
        for (long j = count - max; j < count; j++)
        {
            long t = random.NextInt64(j + 1);
            chosen.Add(chosen.Contains(t) ? j : t);
        }
        return chosen;
    }

    private void CheckFinite(ReadOnlySpan<float> image, long row)
    {
        int bad = FiniteValues.FirstNonFinite(image);
        if (bad >= 0)
            throw new InvalidOperationException(
                $"Column '{_inputColumnName}' has a non-finite value ({image[bad]}) at row {row}, element {bad}; " +
                "SubtractMean needs finite pixel values to fit its statistics.");
    }
}
