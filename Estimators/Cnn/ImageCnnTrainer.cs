using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Cnn;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Trains a convolutional network on planar C×H×W float images (or MLImage columns, read as RGB in [0, 1]) with a
/// key-typed label, on the CPU or a CUDA GPU,
/// and produces an <see cref="ImageCnnTransformer"/> adding <c>Score</c> and <c>PredictedLabel</c>.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.ImageCnn(...)</c>.
/// </summary>
public sealed class ImageCnnTrainer : IEstimator<ImageCnnTransformer>
{
    public sealed class Options
    {
        public string LabelColumnName { get; set; } = "Label";
        public string FeatureColumnName { get; set; } = "Features";
        public string ScoreColumnName { get; set; } = "Score";
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        /// <summary>Image shape of a flat feature vector; not needed when the column has [C,H,W] dimensions.</summary>
        public int? ImageHeight { get; set; }
        public int? ImageWidth { get; set; }
        public int? Channels { get; set; }

        public CnnArchitecture Architecture { get; set; } = CnnArchitecture.SimpleConvNet;

        /// <summary>Channels per stage; null: [32, 64] for SimpleConvNet, [16, 32, 64] for ResNet.</summary>
        public int[]? Widths { get; set; }

        /// <summary>Residual blocks per ResNet stage; null: 2 per stage.</summary>
        public int[]? Blocks { get; set; }

        /// <summary>Units of SimpleConvNet's hidden fully-connected layer (0 for none).</summary>
        public int HiddenUnits { get; set; } = 128;

        /// <summary>Builds the network for <see cref="CnnArchitecture.Custom"/> from the image shape and class count.</summary>
        public Func<ImageShape, int, nn.Module<Tensor, Tensor>>? CustomArchitecture { get; set; }

        /// <summary>Name the custom factory is registered under (<see cref="CustomArchitectures"/>) so saved models can be loaded.</summary>
        public string CustomArchitectureName { get; set; } = "custom";

        public ActivationKind Activation { get; set; } = ActivationKind.ReLU;
        public NormalizationKind Normalization { get; set; } = NormalizationKind.BatchNorm;
        public int NormalizationGroups { get; set; } = 8;
        public WeightInitialization Initialization { get; set; } = WeightInitialization.Kaiming;

        /// <summary>Start the classifier layer at zero, so the initial loss is exactly ln(classes).</summary>
        public bool ZeroInitializeLastLayer { get; set; }

        public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;
        public double LearningRate { get; set; } = 1e-3;
        public double Momentum { get; set; } = 0.9;
        public double Beta1 { get; set; } = 0.9;
        public double Beta2 { get; set; } = 0.999;
        public double Epsilon { get; set; } = 1e-8;
        public double RmsPropDecay { get; set; } = 0.99;
        public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant();

        /// <summary>L2 weight decay (decoupled for AdamW).</summary>
        public double WeightDecay { get; set; }

        /// <summary>λ of an L1 penalty λ·Σ|w| on convolution and linear weights; with <see cref="WeightDecay"/> this is an elastic net.</summary>
        public double L1Regularization { get; set; }

        /// <summary>Random augmentations applied to every training batch on the training device (never at prediction).</summary>
        public ImageAugmentation? Augmentation { get; set; }

        /// <summary>Views whose predicted probabilities the fitted model averages at prediction time (off by default).</summary>
        public TestTimeAugmentation TestTimeAugmentation { get; set; } = TestTimeAugmentation.None;

        /// <summary>Dropout probability before the classifier (inverted dropout: active only while training).</summary>
        public double Dropout { get; set; }

        public double LabelSmoothing { get; set; }

        /// <summary>Clip the global gradient L2 norm to this value; null: no clipping.</summary>
        public double? GradientClipNorm { get; set; }

        public EarlyStopping? EarlyStopping { get; set; }

        /// <summary>Data to validate on after every epoch (same columns as the training data).</summary>
        public IDataView? ValidationSet { get; set; }

        /// <summary>Fraction of the training data split off (stratified, seeded) for validation when no ValidationSet is given.</summary>
        public double ValidationFraction { get; set; }

        public int Epochs { get; set; } = 10;

        /// <summary>Images per step; a batch larger than the data is reduced to the data size (with a warning).</summary>
        public int BatchSize { get; set; } = 64;

        /// <summary>Seed for initialisation, shuffling, dropout and the validation split; null takes one from the MLContext.</summary>
        public int? Seed { get; set; }

        public ComputeDevice Device { get; set; } = ComputeDevice.Auto;

        /// <summary>Called after every epoch with its metrics.</summary>
        public Action<EpochMetrics>? OnEpochEnd { get; set; }

        /// <summary>Called after every step, e.g. to draw a progress bar.</summary>
        public Action<TrainingProgress>? OnProgress { get; set; }

        /// <summary>Throw <see cref="TrainingDivergedException"/> on a NaN/∞ loss (true), or return the last good weights.</summary>
        public bool ThrowOnDivergence { get; set; } = true;

        /// <summary>Rows per forward pass of the fitted transformer's <c>Transform</c>.</summary>
        public int InferenceBatchSize { get; set; } = ImageCnnTransformer.DefaultInferenceBatchSize;
    }

    private readonly IHost _host;
    private readonly Options _options;

    internal ImageCnnTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        _options = Validate(options);
        _host = env.Register(nameof(ImageCnnTrainer));
    }

    public Options TrainerOptions => _options;

    private static Options Validate(Options o)
    {
        ArgumentNullException.ThrowIfNull(o);
        void Require(bool ok, string message)
        {
            if (!ok)
                throw new ArgumentOutOfRangeException(nameof(o), message);
        }
        Require(o.Epochs >= 1, $"Epochs must be at least 1, got {o.Epochs}.");
        Require(o.BatchSize >= 1, $"BatchSize must be at least 1, got {o.BatchSize}.");
        Require(o.InferenceBatchSize >= 1, $"InferenceBatchSize must be at least 1, got {o.InferenceBatchSize}.");
        Require(o.LearningRate > 0 && double.IsFinite(o.LearningRate), $"LearningRate must be positive, got {o.LearningRate}.");
        Require(o.Dropout is >= 0 and < 1, $"Dropout must be in [0, 1), got {o.Dropout}.");
        Require(o.LabelSmoothing is >= 0 and < 1, $"LabelSmoothing must be in [0, 1), got {o.LabelSmoothing}.");
        Require(o.WeightDecay >= 0 && o.L1Regularization >= 0, "WeightDecay and L1Regularization cannot be negative.");
        Require(o.ValidationFraction is >= 0 and < 1, $"ValidationFraction must be in [0, 1), got {o.ValidationFraction}.");
        Require(o.GradientClipNorm is null or > 0, $"GradientClipNorm must be positive, got {o.GradientClipNorm}.");
        Require(o.Architecture != CnnArchitecture.Custom || o.CustomArchitecture is not null,
            "Architecture is Custom but no CustomArchitecture factory was given.");
        Require(o.EarlyStopping is null || o.ValidationSet is not null || o.ValidationFraction > 0,
            "EarlyStopping monitors validation data: set ValidationSet or ValidationFraction.");
        return o;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, _options.LabelColumnName, out var label))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' was not found in the input schema.");
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Label column '{_options.LabelColumnName}' must be a scalar key type (class indices), but it is {label.Kind} of {label.ItemType}. " +
                $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{_options.LabelColumnName}\") before the trainer.");
        if (!SchemaShapes.TryFind(inputSchema, _options.FeatureColumnName, out var features))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Feature column '{_options.FeatureColumnName}' was not found in the input schema.");
        bool isImage = features.Kind == SchemaShape.Column.VectorKind.Scalar && features.ItemType is Microsoft.ML.Transforms.Image.ImageDataViewType;
        if (!isImage && (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Feature column '{_options.FeatureColumnName}' must be a known-size vector of Single holding planar C×H×W images, or an image column, but it is {features.Kind} of {features.ItemType}.");

        bool hasKeyValues = SchemaShapes.TryFind(label.Annotations, "KeyValues", out var keyValues);
        var scoreAnnotations = new List<SchemaShape.Column>
        {
            SchemaShapes.Column("ScoreColumnKind", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
            SchemaShapes.Column("ScoreValueKind", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
        };
        if (hasKeyValues)
            scoreAnnotations.Add(SchemaShapes.Column("SlotNames", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false));
        return SchemaShapes.With(inputSchema,
            SchemaShapes.Column(_options.ScoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false,
                new SchemaShape(scoreAnnotations)),
            SchemaShapes.Column(_options.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
                hasKeyValues ? new SchemaShape([keyValues]) : null));
    }

    public ImageCnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var label = ImageColumn.Find(input.Schema, _options.LabelColumnName);
        var labels = LabelKeys.FromColumn(label);
        var (features, shape) = ImageColumn.Resolve(input.Schema, _options.FeatureColumnName, DeclaredShape(), allowMLImage: true);
        var description = Describe(shape, labels.Count);
        _options.Augmentation?.Check(shape);
        if (_options.Architecture == CnnArchitecture.Custom)
            CustomArchitectures.Register(_options.CustomArchitectureName, _options.CustomArchitecture!);

        using var channel = _host.Start(nameof(Fit));
        var train = CnnTrainingSet.Read(input, features, label, shape, labels.Count, _host, "training");
        if (train.SkippedRows > 0)
            channel.Warning(MessageSensitivity.None, $"ImageCnn: left out {train.SkippedRows} training rows whose label '{label.Name}' is missing.");
        if (train.Count == 0)
            throw new InvalidOperationException($"ImageCnn cannot train: the training data has no rows with a label in column '{label.Name}'.");

        int seed = _options.Seed ?? _host.Rand.Next();
        // The same seed gives the same stratified split on every read of the same labels.
        (CnnTrainingSet Train, CnnTrainingSet Validation) Split(CnnTrainingSet set)
            => set.SplitStratified(_options.ValidationFraction, new Random(seed), shape.Size);
        CnnTrainingSet? validation = null;
        if (_options.ValidationSet is { } validationView)
        {
            var validationLabel = ImageColumn.Find(validationView.Schema, _options.LabelColumnName);
            if (!LabelKeys.FromColumn(validationLabel).SameAs(labels))
                throw new ArgumentOutOfRangeException(nameof(input),
                    $"The validation set's label column '{validationLabel.Name}' has different classes from the training data's; map both with the same MapValueToKey transformer.");
            var (validationFeatures, _) = ImageColumn.Resolve(validationView.Schema, _options.FeatureColumnName, shape, allowMLImage: true);
            validation = CnnTrainingSet.Read(validationView, validationFeatures, validationLabel, shape, labels.Count, _host, "validation");
        }
        else if (_options.ValidationFraction > 0)
        {
            (train, validation) = Split(train);
            if (validation.Count == 0 || train.Count == 0)
                throw new InvalidOperationException($"ValidationFraction {_options.ValidationFraction} of {train.Count + validation.Count} rows leaves an empty training or validation set.");
        }

        if (train.ClassesPresent < 2)
            throw new InvalidOperationException(
                $"ImageCnn needs training rows of at least 2 classes, but every labelled row of column '{label.Name}' is of one class.");

        var device = ComputeDeviceResolver.Resolve(_options.Device);
        channel.Info(MessageSensitivity.None,
            $"ImageCnn: {description.Architecture} on {device.type}, {train.Count} training images {shape}, {labels.Count} classes" +
            (validation is null ? "" : $", {validation.Count} validation images"));
        // Data augmented by AugmentImages changes on every pass, so it is read again for every epoch.
        Func<CnnTrainingSet>? readAgain = null;
        if (features.Annotations.Schema.GetColumnOrNull(AugmentImagesTransformer.AugmentedAnnotation) is not null)
        {
            channel.Info(MessageSensitivity.None, $"ImageCnn: column '{features.Name}' is augmented; reading the training data again for every epoch.");
            readAgain = () =>
            {
                var again = CnnTrainingSet.Read(input, features, label, shape, labels.Count, _host, "training");
                return _options.ValidationSet is null && _options.ValidationFraction > 0 ? Split(again).Train : again;
            };
        }
        var loop = new CnnTrainingLoop(_options, description, device, seed, _host, channel);
        var (module, history, diverged) = loop.Run(train, validation, readAgain);
        var model = new ImageCnnTransformer(description, module, device, labels, _options.FeatureColumnName,
            _options.ScoreColumnName, _options.PredictedLabelColumnName, history, _options.InferenceBatchSize, _options.TestTimeAugmentation);
        if (diverged is not null && _options.ThrowOnDivergence)
            throw new TrainingDivergedException(diverged, model);
        return model;
    }

    private ImageShape? DeclaredShape()
    {
        if (_options.ImageHeight is null && _options.ImageWidth is null && _options.Channels is null)
            return null;
        if (_options.ImageHeight is not int height || _options.ImageWidth is not int width)
            throw new ArgumentException("ImageHeight and ImageWidth must be set together (Channels defaults to 1).");
        return new ImageShape(_options.Channels ?? 1, height, width);
    }

    private NetworkDescription Describe(ImageShape shape, int classes) => new()
    {
        Architecture = _options.Architecture,
        InputShape = shape,
        ClassCount = classes,
        Activation = _options.Activation,
        Normalization = _options.Normalization,
        Widths = _options.Widths ?? (_options.Architecture == CnnArchitecture.ResNet ? [16, 32, 64] : [32, 64]),
        Blocks = _options.Architecture == CnnArchitecture.ResNet
            ? _options.Blocks ?? Enumerable.Repeat(2, (_options.Widths ?? [16, 32, 64]).Length).ToArray()
            : [],
        HiddenUnits = _options.HiddenUnits,
        Dropout = _options.Dropout,
        NormalizationGroups = _options.NormalizationGroups,
        CustomName = _options.Architecture == CnnArchitecture.Custom ? _options.CustomArchitectureName : null,
    };
}
