using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Cnn;
using MLExtensions.Images;
using MLExtensions.Mapping;
using MLExtensions.MLNetInternals;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// A trained convolutional network that adds <c>Score</c> (class probabilities, one per label key) and
/// <c>PredictedLabel</c> (the label's key type) to rows holding planar C×H×W float images or MLImage images. <c>Transform</c> scores
/// rows in batches; <c>PredictionEngine</c> scores one row at a time. Produced by
/// <c>mlContext.MulticlassClassification.Trainers.ImageCnn(...)</c>. Dispose it to release the network's native
/// memory at once (views from <see cref="WithTestTimeAugmentation"/> share it until the last is disposed).
/// </summary>
public sealed class ImageCnnTransformer : RowMappingTransformer, IDisposable
{
    internal const string LoaderSignature = "ImageCnnTransformer";
    // 0x00010002: test-time augmentation saved with the model.
    // 0x00010003: the training history keeps its stop message.
    // 0x00010004: the network description keeps input statistics, the ResNet stem and SimpleConvNet's pooled size.
    // 0x00010005: the network description names a torchvision network.
    // 0x00010006: the weights carry a SHA-256 checksum.
    // 0x00010007: the network description keeps ResNet blocks' inner widths (filter pruning).
    // 0x00010008: the whole entry is checksummed (ModelPersistence), not only the weights; the history keeps failed checkpoints.
    // 0x00010009: the network description names a registered family, keeps stochastic depth and the family's own config.
    // 0x00010002 to 0x00010008 models still load.
    internal static readonly ModelFormat ModelFormat = new("IMAGECNN", LoaderSignature, 0x00010009, 0x00010002, firstChecksummedVersion: FirstVersionWithChecksummedEntry,
        oldestReader: FirstVersionWithFamilyConfig);
    private const uint FirstVersionWithStopMessage = 0x00010003;
    private const uint FirstVersionWithImageSizeFields = 0x00010004;
    private const uint FirstVersionWithTorchVision = 0x00010005;
    private const uint FirstVersionWithWeightsChecksum = 0x00010006;
    private const uint FirstVersionWithInnerWidths = 0x00010007;
    private const uint FirstVersionWithChecksummedEntry = 0x00010008;
    private const uint FirstVersionWithFamilyConfig = 0x00010009;

    /// <summary>Rows scored per forward pass by <c>Transform</c>.</summary>
    internal const int DefaultInferenceBatchSize = 256;

    private readonly CnnScorer _scorer;
    private readonly LabelKeys _labels;
    private readonly SharedNetwork _network;
    private bool _disposed;

    internal ImageCnnTransformer(NetworkDescription description, nn.Module<Tensor, Tensor> module, Device device,
        LabelKeys labels, string featureColumnName, string scoreColumnName, string predictedLabelColumnName,
        TrainingHistory history, int inferenceBatchSize = DefaultInferenceBatchSize, TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation.None)
        : this(description, new SharedNetwork(module), device, labels, featureColumnName, scoreColumnName, predictedLabelColumnName,
            history, inferenceBatchSize, testTimeAugmentation)
    {
    }

    private ImageCnnTransformer(NetworkDescription description, SharedNetwork network, Device device,
        LabelKeys labels, string featureColumnName, string scoreColumnName, string predictedLabelColumnName,
        TrainingHistory history, int inferenceBatchSize, TestTimeAugmentation testTimeAugmentation)
    {
        Description = description;
        _labels = labels;
        _network = network;
        _scorer = new CnnScorer(network.Module, device, description.InputShape, description.ClassCount, testTimeAugmentation);
        FeatureColumnName = featureColumnName;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        History = history;
        InferenceBatchSize = inferenceBatchSize;
    }

    /// <summary>The network's architecture, input shape and class count, as saved in the model.</summary>
    public NetworkDescription Description { get; }

    /// <summary>The image column the network reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The class-probability column it adds.</summary>
    public string ScoreColumnName { get; }

    /// <summary>The predicted-label column it adds.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>Per-epoch learning curves and why training stopped (saved with the model).</summary>
    public TrainingHistory History { get; }

    /// <summary>Rows per forward pass of <c>Transform</c> (capped by the image size on the CPU).</summary>
    public int InferenceBatchSize { get; }

    /// <summary>Views whose probabilities are averaged when scoring.</summary>
    public TestTimeAugmentation TestTimeAugmentation => _scorer.Views;

    /// <summary>The same trained network scoring with other test-time views (sharing the weights).</summary>
    public ImageCnnTransformer WithTestTimeAugmentation(TestTimeAugmentation views)
    {
        ThrowIfDisposed();
        return new(Description, _network.Acquire(), Device, _labels, FeatureColumnName, ScoreColumnName, PredictedLabelColumnName, History, InferenceBatchSize, views);
    }

    /// <summary>
    /// The same trained model scoring on <paramref name="device"/> (a loaded model scores on the CPU until moved): a
    /// copy of the network there, or this network shared when it is there already. Dispose the copy when done.
    /// </summary>
    public ImageCnnTransformer OnDevice(ComputeDevice device)
    {
        ThrowIfDisposed();
        var target = ComputeDeviceResolver.Resolve(device);
        if (target.type == Device.type)
            return WithTestTimeAugmentation(TestTimeAugmentation);
        var module = NetworkFactory.Create(Description);
        module.to(target);
        using (no_grad())
            module.load_state_dict(_scorer.Module.state_dict());
        return new(Description, module, target, _labels, FeatureColumnName, ScoreColumnName, PredictedLabelColumnName, History, InferenceBatchSize, TestTimeAugmentation);
    }

    /// <summary>
    /// Releases this transformer's hold on the network; the network's native memory goes with the last holder.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _scorer.Retire(_network.Release);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(ImageCnnTransformer), "This ImageCnn model was disposed; load it again (mlContext.Model.Load) to score with it.");
    }

    /// <summary>The trained TorchSharp module, for power users (in evaluation mode; do not dispose).</summary>
    public nn.Module<Tensor, Tensor> Network => _scorer.Module;

    /// <summary>The device the network runs on.</summary>
    public Device Device => _scorer.Device;

    internal LabelKeys Labels => _labels;

    private protected override ModelFormat Format => ModelFormat;

    private protected override void SaveContents(BinaryWriter writer)
    {
        writer.Write(FeatureColumnName);
        writer.Write(ScoreColumnName);
        writer.Write(PredictedLabelColumnName);
        writer.Write(InferenceBatchSize);
        writer.Write((int)TestTimeAugmentation);
        Description.Write(writer);
        _labels.Write(writer);
        History.Write(writer);
        WeightsFormat.Write(writer, _scorer.Module);
    }

    /// <summary>Loads on the CPU, whatever device the model was trained on.</summary>
    internal static ImageCnnTransformer Load(BinaryReader reader, uint version)
    {
        var feature = reader.ReadString();
        var score = reader.ReadString();
        var predicted = reader.ReadString();
        int batch = reader.ReadInt32();
        var views = (TestTimeAugmentation)reader.ReadInt32();
        if (!Enum.IsDefined(views))
            throw new InvalidDataException($"The model holds an unknown test-time augmentation {(int)views}.");
        var description = NetworkDescription.Read(reader,
            hasImageSizeFields: version >= FirstVersionWithImageSizeFields, hasTorchVisionFields: version >= FirstVersionWithTorchVision,
            hasInnerWidths: version >= FirstVersionWithInnerWidths, hasFamilyConfig: version >= FirstVersionWithFamilyConfig);
        var labels = LabelKeys.Read(reader);
        var history = TrainingHistory.Read(reader, hasStopMessage: version >= FirstVersionWithStopMessage,
            hasFailedCheckpoints: version >= FirstVersionWithChecksummedEntry);
        var module = NetworkFactory.Create(description);
        WeightsFormat.Read(reader, module, hasChecksum: version >= FirstVersionWithWeightsChecksum);
        return new ImageCnnTransformer(description, module, CPU, labels, feature, score, predicted, history, batch, views);
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema)
    {
        ThrowIfDisposed();
        return new Mapper(this, inputSchema);
    }

    private sealed class Mapper : ColumnMapper
    {
        private readonly ImageCnnTransformer _parent;
        private readonly DataViewSchema.Column _features;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(ImageCnnTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            (_features, _) = ImageColumn.Resolve(inputSchema, parent.FeatureColumnName, parent.Description.InputShape, allowMLImage: true, resizeImages: true);
            _added =
            [
                new DataViewSchema.DetachedColumn(parent.ScoreColumnName,
                    new VectorDataViewType(NumberDataViewType.Single, parent.Description.ClassCount), parent._labels.ScoreAnnotations()),
                new DataViewSchema.DetachedColumn(parent.PredictedLabelColumnName, parent._labels.KeyType, parent._labels.PredictedLabelAnnotations()),
            ];
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;
        public override bool ReadsAhead => true;
        // The image path column, when there is one, only so that errors can name the file.
        public override IEnumerable<DataViewSchema.Column> GetDependencies(int addedIndex)
            => ImageColumn.PathColumn(InputSchema) is { } path ? [_features, path] : [_features];

        public override Delegate MakeGetter(DataViewRow input, int addedIndex)
            => MakeGetters(input, [addedIndex == 0, addedIndex == 1], null, [])[addedIndex]!;

        public override Delegate?[] MakeGetters(DataViewRow input, bool[] active, Func<DataViewRowCursor>? openLookahead,
            ICollection<IDisposable> resources)
        {
            var batch = new ScoredBatch(_parent._scorer, _features, input, openLookahead, _parent._scorer.RowsPerPass(_parent.InferenceBatchSize));
            resources.Add(batch);
            int classes = _parent.Description.ClassCount;
            return ClassifierGetters.Make(active, classes, () => batch.ProbabilitiesOf(input.Position));
        }
    }

    /// <summary>
    /// Probabilities for the rows around the current one: with a look-ahead cursor, the next batch of rows is read
    /// and scored in one forward pass when the current row leaves the scored range; without one, row by row.
    /// </summary>
    private sealed class ScoredBatch : IDisposable
    {
        private readonly CnnScorer _scorer;
        private readonly DataViewRow _row;
        private readonly DataViewSchema.Column _features;
        private readonly Func<DataViewRowCursor>? _openLookahead;
        private readonly int _capacity;
        private readonly float[] _images;
        private readonly float[] _probabilities;
        private DataViewRowCursor? _lookahead;
        private ImageReader? _reader;
        private long _start = -1;
        private int _count;

        public ScoredBatch(CnnScorer scorer, DataViewSchema.Column features, DataViewRow row, Func<DataViewRowCursor>? openLookahead, int capacity)
        {
            _scorer = scorer;
            _row = row;
            _features = features;
            _openLookahead = openLookahead;
            _capacity = openLookahead is null ? 1 : capacity;
            _images = new float[_capacity * scorer.Shape.Size];
            _probabilities = new float[_capacity * scorer.Classes];
        }

        public ReadOnlySpan<float> ProbabilitiesOf(long position)
        {
            if (position < _start || position >= _start + _count)
                Fill(position);
            return _probabilities.AsSpan((int)(position - _start) * _scorer.Classes, _scorer.Classes);
        }

        private void Fill(long position)
        {
            int size = _scorer.Shape.Size;
            if (_openLookahead is null)
            {
                _reader ??= ImageReader.Create(_row, _features, _scorer.Shape);
                _reader.Read(_images.AsSpan(0, size));
                _count = 1;
            }
            else
            {
                if (_lookahead is null)
                {
                    _lookahead = _openLookahead();
                    _reader = ImageReader.Create(_lookahead, _features, _scorer.Shape);
                }
                while (_lookahead.Position < position)
                    if (!_lookahead.MoveNext())
                        throw new InvalidOperationException($"The input ended before row {position}; it must yield the same rows on every pass to be scored in batches.");
                _count = 0;
                do
                {
                    _reader!.Read(_images.AsSpan(_count * size, size));
                    _count++;
                } while (_count < _capacity && _lookahead.MoveNext());
            }
            _start = position;
            _scorer.Score(_images, _count, _probabilities);
            MarkNonFiniteRows(size);
        }

        // A row with a NaN or infinite input scores NaN, whatever the network made of it, so no class is claimed for it.
        private void MarkNonFiniteRows(int size)
        {
            for (int i = 0; i < _count; i++)
                if (FiniteValues.FirstNonFinite(_images.AsSpan(i * size, size)) >= 0)
                    _probabilities.AsSpan(i * _scorer.Classes, _scorer.Classes).Fill(float.NaN);
        }

        public void Dispose() => _lookahead?.Dispose();
    }
}
