using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Architectures;
using MLExtensions.Cnn;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Trains a convolutional network from scratch on planar C×H×W float images, an image column (read as RGB in
/// [0, 1]) or encoded image files, with a key-typed label, on the CPU or a CUDA GPU, and produces an <see cref="ImageCnnTransformer"/> adding <c>Score</c> and <c>PredictedLabel</c>.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.ImageCnn(...)</c>.
/// </summary>
public sealed class ImageCnnTrainer : IEstimator<ImageCnnTransformer>
{
    /// <summary>The shared training settings (<see cref="CnnTrainingOptions"/>) plus the network to build.</summary>
    public sealed class Options : CnnTrainingOptions
    {
        /// <summary>
        /// The network to train; null (default): chosen by the image size, a ResNet for images at least
        /// <see cref="LargeImageSize"/> pixels high and wide, SimpleConvNet for smaller ones.
        /// </summary>
        public CnnArchitecture? Architecture { get; set; }

        /// <summary>
        /// The torchvision network to train from scratch when <see cref="Architecture"/> is
        /// <see cref="CnnArchitecture.TorchVision"/>, with torchvision's own initialization (the layer options below
        /// apply to SimpleConvNet and ResNet only). To start from PyTorch's weights instead, use <c>FineTuneImageCnn</c>
        /// with <c>PretrainedNetwork.FromTorchVision</c>. Default null.
        /// </summary>
        public TorchVisionModel? TorchVisionModel { get; set; }

        /// <summary>
        /// The registered network family to train when <see cref="Architecture"/> is <see cref="CnnArchitecture.Registered"/>,
        /// built with its default settings. Default null.
        /// </summary>
        public string? FamilyName { get; set; }

        /// <summary>
        /// For networks with stochastic depth (torchvision's EfficientNet and ConvNeXt): the probability that the
        /// deepest residual block is skipped for an image while training, falling linearly to 0 for the first. In [0, 1);
        /// null (default): the family's own (torchvision's).
        /// </summary>
        public double? StochasticDepth { get; set; }

        /// <summary>Channels per stage; null: [32, 64] for SimpleConvNet, [16, 32, 64] for ResNet.</summary>
        public int[]? Widths { get; set; }

        /// <summary>Residual blocks per ResNet stage; null: 2 per stage.</summary>
        public int[]? Blocks { get; set; }

        /// <summary>
        /// Units of SimpleConvNet's hidden fully-connected layer (0 for none). At least 0; default 128.
        /// </summary>
        public int HiddenUnits { get; set; } = 128;

        /// <summary>
        /// Builds the network for <see cref="CnnArchitecture.Custom"/> from the image shape and class count.
        /// </summary>
        public Func<ImageShape, int, nn.Module<Tensor, Tensor>>? CustomArchitecture { get; set; }

        /// <summary>
        /// Name the custom factory is registered under (<see cref="CustomArchitectures"/>) so saved models can be
        /// loaded. Default "custom".
        /// </summary>
        public string CustomArchitectureName { get; set; } = "custom";

        /// <summary>
        /// The hidden-layer non-linearity of SimpleConvNet and ResNet. Default <see cref="ActivationKind.ReLU"/>.
        /// </summary>
        public ActivationKind Activation { get; set; } = ActivationKind.ReLU;

        /// <summary>
        /// The normalization layer after each convolution. Default <see cref="NormalizationKind.BatchNorm"/>; GroupNorm
        /// suits small batches.
        /// </summary>
        public NormalizationKind Normalization { get; set; } = NormalizationKind.BatchNorm;

        /// <summary>
        /// Groups of <see cref="NormalizationKind.GroupNorm"/>, ≥ 1; each layer uses the largest divisor of its channel
        /// count not above this. Default 8.
        /// </summary>
        public int NormalizationGroups { get; set; } = 8;

        /// <summary>
        /// Standardize 8-bit image inputs (an image column, or encoded bytes) per channel with the mean and standard
        /// deviation of (at most 10,000) training images, inside the network, so the model zip keeps them. Float
        /// vectors are used as given (normalize them with <c>SubtractMean</c>). Custom architectures get no standardization.
        /// Default true.
        /// </summary>
        public bool StandardizeImageInputs { get; set; } = true;

        /// <summary>
        /// How convolution and linear weights start. Default <see cref="WeightInitialization.Kaiming"/> (for the ReLU
        /// family).
        /// </summary>
        public WeightInitialization Initialization { get; set; } = WeightInitialization.Kaiming;

        /// <summary>
        /// Start the classifier layer at zero, so the initial loss is exactly ln(classes). Default false.
        /// </summary>
        public bool ZeroInitializeLastLayer { get; set; }

        /// <summary>
        /// A copy of these options for ensemble member <paramref name="member"/> (0-based) with its own seed, and its own
        /// checkpoint subdirectory so members do not resume each other's runs.
        /// </summary>
        internal Options ForMember(int member, int seed)
        {
            var copy = Copy<Options>();
            copy.Seed = seed;
            if (CheckpointDirectory is { } directory)
                copy.CheckpointDirectory = Path.Combine(directory, $"member-{member + 1}");
            return copy;
        }

        // Training from scratch on photos: batches of 32 at a base rate of 2e-3 unless the options say otherwise.
        private protected override int DefaultBatchSize(ImageShape shape)
            => ImageSizeDefaults.IsLarge(shape) ? ImageSizeDefaults.PhotoBatchSize : base.DefaultBatchSize(shape);

        private protected override double DefaultLearningRate(ImageShape shape)
            => ImageSizeDefaults.IsLarge(shape) ? ImageSizeDefaults.PhotoLearningRate : base.DefaultLearningRate(shape);

        internal override void Validate()
        {
            base.Validate();
            Require(HiddenUnits >= 0, $"HiddenUnits must be 0 (no hidden layer) or more, got {HiddenUnits}.");
            Require(NormalizationGroups >= 1, $"NormalizationGroups must be at least 1, got {NormalizationGroups}.");
            Require(Architecture != CnnArchitecture.Custom || CustomArchitecture is not null,
                "Architecture is Custom but no CustomArchitecture factory was given.");
            Require(Architecture != CnnArchitecture.TorchVision || TorchVisionModel is { } model && Enum.IsDefined(model),
                "Architecture is TorchVision but TorchVisionModel names no torchvision network.");
            Require(TorchVisionModel is null || Architecture == CnnArchitecture.TorchVision,
                $"TorchVisionModel is set but Architecture is {(Architecture?.ToString() ?? "null")}: set Architecture = CnnArchitecture.TorchVision to train it.");
            Require(Architecture != CnnArchitecture.Registered || !string.IsNullOrEmpty(FamilyName),
                "Architecture is Registered but FamilyName names no family.");
            Require(FamilyName is null || Architecture == CnnArchitecture.Registered,
                $"FamilyName is set but Architecture is {(Architecture?.ToString() ?? "null")}: set Architecture = CnnArchitecture.Registered to train it.");
            Require(StochasticDepth is null or (>= 0 and < 1), $"StochasticDepth must be in [0, 1), got {StochasticDepth}.");
        }
    }

    private readonly IHost _host;
    private readonly Options _options;

    internal ImageCnnTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        _options = Validate(options);
        _host = env.Register(nameof(ImageCnnTrainer));
    }

    /// <summary>The options this trainer was created with.</summary>
    public Options TrainerOptions => _options;

    private const string Name = "ImageCnn";

    private static Options Validate(Options o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        return o;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => CnnOutputSchema.Of(inputSchema, _options);

    /// <inheritdoc />
    public ImageCnnTransformer Fit(IDataView input) => CnnFit.Run(_host, _options, Name, input, Build);

    private CnnNetwork Build(CnnTrainingInputs inputs, Device device, int seed, IChannel channel)
    {
        var architecture = ImageSizeDefaults.Architecture(_options.Architecture, inputs.Shape);
        var description = ForImageSize(Describe(architecture, inputs.Shape, inputs.Labels.Count), inputs, channel);
        if (architecture == CnnArchitecture.Custom)
            CustomArchitectures.Register(_options.CustomArchitectureName, _options.CustomArchitecture!);
        channel.Info(MessageSensitivity.None,
            $"{Name}: {description.Architecture}{(_options.Architecture is null ? " (the default for this image size)" : "")} on {device.type}, " +
            $"{inputs.Train.Count} training images {inputs.Shape}, {inputs.Labels.Count} classes" +
            (inputs.Validation is null ? "" : $", {inputs.Validation.Count} validation images"));

        random.manual_seed(seed);
        var module = NetworkFactory.Create(description);
        if (NetworkFamilies.Of(description).UsesLibraryInitialization)
            WeightInitializer.Apply(module, _options.Initialization, _options.Activation, _options.ZeroInitializeLastLayer);
        module.to(device);
        return new CnnNetwork(description, module, TrainingPlan.Everything(module));
    }

    /// <summary>
    /// Images at least this many pixels high and wide get the built-in architectures' large-image layers, and, unless
    /// the options say otherwise, a ResNet trained in batches of 32 with a cosine schedule from 2e-3.
    /// </summary>
    public const int LargeImageSize = 64;

    // Large images get the family's large-image layers (the built-ins: torchvision's downsampling stem, and
    // SimpleConvNet pools its last stage to 4×4). 8-bit images are standardized per channel with the training
    // images' statistics (float vectors are taken as given).
    private NetworkDescription ForImageSize(NetworkDescription description, CnnTrainingInputs inputs, IChannel channel)
    {
        var family = NetworkFamilies.Of(description);
        if (!family.StandardizesInput)
            return description;
        description = family.ForImageSize(description, ImageSizeDefaults.IsLarge(inputs.Shape));
        if (!_options.StandardizeImageInputs || !inputs.Train.Store.Format.IsBytes)
            return description;
        var (means, deviations) = InputStatistics.PerChannel(inputs.Train);
        channel.Info(MessageSensitivity.None, $"{Name}: standardizing the images per channel: means [{string.Join(", ", means.Select(m => m.ToString("F3")))}], " +
            $"standard deviations [{string.Join(", ", deviations.Select(d => d.ToString("F3")))}].");
        return description with { InputMeans = means, InputStandardDeviations = deviations };
    }

    private NetworkDescription Describe(CnnArchitecture architecture, ImageShape shape, int classes) => new()
    {
        Architecture = architecture,
        InputShape = shape,
        ClassCount = classes,
        Activation = _options.Activation,
        Normalization = _options.Normalization,
        Widths = _options.Widths ?? (architecture == CnnArchitecture.ResNet ? [16, 32, 64] : [32, 64]),
        Blocks = architecture == CnnArchitecture.ResNet
            ? _options.Blocks ?? Enumerable.Repeat(2, (_options.Widths ?? [16, 32, 64]).Length).ToArray()
            : [],
        HiddenUnits = _options.HiddenUnits,
        Dropout = _options.Dropout,
        NormalizationGroups = _options.NormalizationGroups,
        CustomName = architecture == CnnArchitecture.Custom ? _options.CustomArchitectureName : null,
        TorchVisionModel = architecture == CnnArchitecture.TorchVision ? _options.TorchVisionModel : null,
        FamilyName = architecture == CnnArchitecture.Registered ? _options.FamilyName : null,
        StochasticDepth = _options.StochasticDepth,
    };
}
