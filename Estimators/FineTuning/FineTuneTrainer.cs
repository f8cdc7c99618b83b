using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Architectures;
using MLExtensions.Cnn;
using MLExtensions.FineTuning;
using MLExtensions.Pretrained;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Transfer learning: starts from a pretrained network, replaces its classifier for the new label set, and trains
/// the parts a <see cref="FineTuneStrategy"/> picks, with the same optimizers, schedules, regularizers, augmentation
/// and early stopping as <see cref="ImageCnnTrainer"/>. The result is an ordinary <see cref="ImageCnnTransformer"/>
/// (same columns, same persistence) that can itself be fine-tuned again.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.FineTuneImageCnn(...)</c>.
/// </summary>
public sealed class FineTuneTrainer : IEstimator<ImageCnnTransformer>
{
    /// <summary>
    /// The shared training settings (<see cref="CnnTrainingOptions"/>) plus where to start and what to train.
    /// </summary>
    public sealed class Options : CnnTrainingOptions
    {
        /// <summary>The network to start from (required). No default.</summary>
        public PretrainedNetwork? Pretrained { get; set; }

        /// <summary>
        /// Which parts of the pretrained network train, and when. Default <see cref="FineTuneStrategy.Auto"/> (chosen
        /// by data size and <see cref="Similarity"/>).
        /// </summary>
        public FineTuneStrategy Strategy { get; set; } = FineTuneStrategy.Auto;

        /// <summary>
        /// How close the new images are to the pretraining images; only <see cref="FineTuneStrategy.Auto"/> reads it.
        /// Default <see cref="DomainSimilarity.Similar"/>.
        /// </summary>
        public DomainSimilarity Similarity { get; set; } = DomainSimilarity.Similar;

        /// <summary>
        /// Below this many training images per class, <see cref="FineTuneStrategy.Auto"/> treats the data as little.
        /// Default 1000.
        /// </summary>
        public int LittleDataImagesPerClass { get; set; } = 1000;

        /// <summary>
        /// Discriminative learning rates: the head trains at <see cref="CnnTrainingOptions.LearningRate"/>, the body
        /// block k places below it at LearningRate × multiplier^k. 1 gives every block the same rate.
        /// Default 1.
        /// </summary>
        public double BlockLearningRateMultiplier { get; set; } = 1;

        /// <summary>
        /// Keep the pretrained classifier instead of a new one: to continue training a network on the label set it
        /// already predicts. The training label's key values must be the pretrained <see cref="PretrainedNetwork.ClassNames"/>,
        /// in the same order.
        /// Default false.
        /// </summary>
        public bool KeepHead { get; set; }

        /// <summary>
        /// For <see cref="FineTuneStrategy.LinearProbe"/> without augmentation: run the frozen body once and train the
        /// head on its cached outputs (same result, far faster).
        /// Default true.
        /// </summary>
        public bool CacheBodyFeatures { get; set; } = true;

        internal override void Validate()
        {
            base.Validate();
            Require(Pretrained is not null, "Pretrained must be set: use PretrainedNetwork.FromTorchVision, FromModel, FromModelFile or FromStateDict.");
            Require(Strategy is not null, "Strategy cannot be null.");
            Require(BlockLearningRateMultiplier > 0 && double.IsFinite(BlockLearningRateMultiplier),
                $"BlockLearningRateMultiplier must be positive, got {BlockLearningRateMultiplier}.");
            Require(LittleDataImagesPerClass >= 1, $"LittleDataImagesPerClass must be at least 1, got {LittleDataImagesPerClass}.");
        }
    }

    private const string Name = "FineTuneImageCnn";
    private readonly IHost _host;
    private readonly Options _options;

    internal FineTuneTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _host = env.Register(nameof(FineTuneTrainer));
    }

    /// <summary>The options this trainer was created with.</summary>
    public Options TrainerOptions => _options;

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        => CnnOutputSchema.Of(inputSchema, PretrainedInputPreset.WithDefaultSize(_options.Pretrained!.Description, _options));

    /// <inheritdoc />
    public ImageCnnTransformer Fit(IDataView input)
    {
        var preset = PretrainedInputPreset.For(_options.Pretrained!.Description, input.Schema, _options.FeatureColumnName);
        var options = preset.ApplyTo(_options);
        return CnnFit.Run(_host, options, Name, input, (inputs, device, seed, channel) => Build(inputs, preset, device, seed, channel));
    }

    private CnnNetwork Build(CnnTrainingInputs inputs, PretrainedInputPreset preset, Device device, int seed, IChannel channel)
    {
        var pretrained = _options.Pretrained!;
        if (_options.KeepHead)
            CheckSameClasses(pretrained, inputs.Labels);
        var description = preset.Describe(pretrained.Description with
        {
            InputShape = inputs.Shape,
            ClassCount = inputs.Labels.Count,
            Dropout = _options.Dropout,
        });

        random.manual_seed(seed);
        var network = NetworkFactory.Create(description);
        WeightTransfer.Apply(pretrained, network, NetworkBlocks.Of(description, network), description, _options.KeepHead);
        network.to(device);
        // Moving a module may replace its parameter objects, so the blocks are taken after the move.
        var blocks = NetworkBlocks.Of(description, network);
        var strategy = ChooseStrategy(inputs, blocks, channel);
        bool cache = _options.CacheBodyFeatures && _options.Augmentation is null && inputs.Augmented is null
                     && NetworkFamilies.Of(description).HeadOutputsLogits;
        var plan = FineTunePlan.Create(blocks, strategy, _options.BlockLearningRateMultiplier, _options.Dropout, cache);
        channel.Info(MessageSensitivity.None,
            $"{Name}: {PretrainedNetwork.Describe(description)} from {pretrained.Source} on {device.type}, {strategy}; " +
            $"{inputs.Train.Count} training images" + (inputs.Validation is null ? "" : $", {inputs.Validation.Count} validation images") +
            (plan.Cache is null ? "" : "; training the head on cached body features"));
        return new CnnNetwork(description, network, plan);
    }

    private static void CheckSameClasses(PretrainedNetwork pretrained, LabelKeys labels)
    {
        if (pretrained.ClassNames is not { } pretrainedClasses)
            throw new InvalidOperationException(
                $"KeepHead needs the classes the pretrained head predicts, and {pretrained.Source} does not name them: " +
                "pass classNames to PretrainedNetwork.FromTorchVision, or start from a model whose label column has key values.");
        var classes = labels.Values ?? throw new InvalidOperationException(
            "KeepHead needs the training label's class names to compare them with the pretrained head's: map the label with MapValueToKey.");
        if (!classes.SequenceEqual(pretrainedClasses))
        {
            int first = Enumerable.Range(0, Math.Min(classes.Count, pretrainedClasses.Count)).FirstOrDefault(i => classes[i] != pretrainedClasses[i], -1);
            throw new InvalidOperationException(
                $"KeepHead keeps the pretrained classifier, which predicts {pretrainedClasses.Count} classes [{Sample(pretrainedClasses)}], but the training label has " +
                $"{classes.Count} [{Sample(classes)}]" + (first >= 0 ? $"; class {first} is '{pretrainedClasses[first]}' there and '{classes[first]}' here" : "") +
                ". Map the label with MapValueToKey(keyData: ...) in the pretrained order, or leave KeepHead off to train a new head.");
        }
    }

    private static string Sample(IReadOnlyList<string> names)
        => string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? ", …" : "");

    private FineTuneStrategy ChooseStrategy(CnnTrainingInputs inputs, NetworkBlocks blocks, IChannel channel)
    {
        if (_options.Strategy.StrategyKind != FineTuneStrategy.Kind.Auto)
            return _options.Strategy;
        int perClass = inputs.Train.Count / inputs.Train.ClassesPresent;
        var strategy = FineTuneStrategy.Choose(perClass, _options.Similarity, blocks.Body.Count, _options.LittleDataImagesPerClass);
        channel.Info(MessageSensitivity.None,
            $"{Name}: Auto chose {strategy} for {perClass} training images per class (little below {_options.LittleDataImagesPerClass}) and a {_options.Similarity.ToString().ToLowerInvariant()} domain.");
        return strategy;
    }
}
