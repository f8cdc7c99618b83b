using Microsoft.ML;
using MLExtensions.Cnn;

namespace MLExtensions;

/// <summary>
/// What every CNN trainer shares: columns, image shape, optimizer, schedule, regularizers, augmentation, validation,
/// early stopping, device and callbacks. <see cref="ImageCnnTrainer.Options"/> adds the architecture;
/// <see cref="FineTuneTrainer.Options"/> adds the pretrained network and the fine-tuning strategy.
/// </summary>
public abstract class CnnTrainingOptions
{
    /// <summary>
    /// The key-typed label column to learn (map text labels with <c>MapValueToKey</c> first). Default "Label".
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The image column: a float vector [C,H,W] (or flat, with <see cref="ImageHeight"/>/<see cref="ImageWidth"/>), an
    /// MLImage column, or encoded image bytes. Default "Features".
    /// </summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>
    /// The output column of class probabilities (softmax, one slot per label key value). Default "Score".
    /// </summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>
    /// The output column of the most probable class, key-typed like the label. Default "PredictedLabel".
    /// </summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>
    /// The image height the network sees. Required for encoded image bytes (<c>LoadRawImageBytes</c>): the size they are
    /// decoded and resized to (<c>FineTuneImageCnn</c> on a torchvision network uses 224 when it is not set). For an image
    /// column (<c>LoadImages</c>), the size the images are resized to; null: the column's own size (<c>ResizeImages</c>).
    /// For a flat float vector without [C,H,W] dimensions, its shape, with <see cref="ImageWidth"/> and
    /// <see cref="Channels"/>. Default null.
    /// </summary>
    public int? ImageHeight { get; set; }

    /// <summary>
    /// The image width the network sees; set together with <see cref="ImageHeight"/>, which says when it is needed.
    /// Default null.
    /// </summary>
    public int? ImageWidth { get; set; }

    /// <summary>
    /// The channels the network sees: for an image column or encoded image bytes, 3 (RGB) or 1 (luma), default 3; for
    /// a flat float vector without [C,H,W] dimensions, its channel count, default 1. Default null (as just said).
    /// </summary>
    public int? Channels { get; set; }

    /// <summary>
    /// The update rule. Default <see cref="OptimizerKind.Adam"/>; <see cref="OptimizerKind.SgdNesterov"/> with a
    /// schedule often generalizes better on long runs.
    /// </summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>
    /// The base learning rate (the schedule scales it); null (default): 1e-3, or for <c>ImageCnn</c> on images at
    /// least <see cref="ImageCnnTrainer.LargeImageSize"/> pixels high and wide, 2e-3.
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>
    /// Momentum of <see cref="OptimizerKind.SgdMomentum"/> and <see cref="OptimizerKind.SgdNesterov"/>, in [0, 1).
    /// Default 0.9.
    /// </summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Decay of Adam's first-moment average (Adam, AdamW, AMSGrad, RAdam), in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of Adam's second-moment average, in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>
    /// Added to the denominator of Adam, AdaGrad and RMSProp updates for stability, > 0. Default 1e-8.
    /// </summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Decay of RMSProp's squared-gradient average (PyTorch's alpha), in [0, 1). Default 0.99.</summary>
    public double RmsPropDecay { get; set; } = 0.99;

    /// <summary>
    /// How the learning rate changes over training; null (default): by the image size, cosine decay to zero for images
    /// at least <see cref="ImageCnnTrainer.LargeImageSize"/> pixels high and wide, constant for smaller ones.
    /// </summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>L2 weight decay (decoupled for AdamW). Default 0, ≥ 0; 1e-4 to 5e-4 are common for SGD.</summary>
    public double WeightDecay { get; set; }

    /// <summary>
    /// λ of an L1 penalty λ·Σ|w| on convolution and linear weights; with <see cref="WeightDecay"/> this is an elastic
    /// net. Default 0, ≥ 0.
    /// </summary>
    public double L1Regularization { get; set; }

    /// <summary>
    /// Random augmentations applied to every training batch on the training device (never at prediction). Default null:
    /// none.
    /// </summary>
    public ImageAugmentation? Augmentation { get; set; }

    /// <summary>
    /// Views whose predicted probabilities the fitted model averages at prediction time (off by default).
    /// </summary>
    public TestTimeAugmentation TestTimeAugmentation { get; set; } = TestTimeAugmentation.None;

    /// <summary>
    /// Dropout probability before the classifier (inverted dropout: active only while training). In [0, 1); default 0.
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Cross-entropy target smoothing ε in [0, 1): the true class gets 1 − ε + ε/K, every class ε/K. Default 0 (off).
    /// </summary>
    public double LabelSmoothing { get; set; }

    /// <summary>Clip the global gradient L2 norm to this value; null: no clipping.</summary>
    public double? GradientClipNorm { get; set; }

    /// <summary>
    /// Stop when the validation metric stops improving (needs <see cref="ValidationSet"/> or
    /// <see cref="ValidationFraction"/>); null (default): train every epoch.
    /// </summary>
    public EarlyStopping? EarlyStopping { get; set; }

    /// <summary>Data to validate on after every epoch (same columns as the training data). Default null.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Fraction of the training data split off (stratified, seeded) for validation when no ValidationSet is given. In
    /// [0, 1); default 0 (no validation unless <see cref="ValidationSet"/> is given).
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>Passes over the training data, ≥ 1. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>
    /// Images per step; a batch larger than the data is reduced to the data size (with a warning). Null (default):
    /// 64, or for <c>ImageCnn</c> on images at least <see cref="ImageCnnTrainer.LargeImageSize"/> pixels high and wide, 32.
    /// </summary>
    public int? BatchSize { get; set; }

    /// <summary>
    /// Seed for initialisation, shuffling, dropout and the validation split; null takes one from the MLContext.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Where to train and predict: <see cref="ComputeDevice.Auto"/> (default) uses a CUDA GPU when TorchSharp sees one,
    /// the CPU otherwise.
    /// </summary>
    public ComputeDevice Device { get; set; } = ComputeDevice.Auto;

    /// <summary>
    /// Run each training step's forward and backward passes in bfloat16 (convolutions, linear layers, activations;
    /// normalization stays float32) on a copy of the network, while the network keeps float32 weights that receive the
    /// gradients and the optimizer's updates. Validation, scoring and the saved model stay float32. On CPUs with
    /// AVX-512 BF16 or AMX this is much faster (measured 2.8× for a ResNet-20 training step on this project's 2-core AMD
    /// EPYC); elsewhere it is emulated and slower. Results differ slightly from float32 training (bfloat16 keeps 8
    /// significant bits). Not used when a linear probe trains on cached body features. Default false.
    /// </summary>
    public bool MixedPrecision { get; set; }

    /// <summary>
    /// Stops this Fit, and only it: once cancelled, training stops before its next batch and the model is returned
    /// with <c>History.StopReason = Cancelled</c> (the weights of the last step taken, or early stopping's best ones);
    /// cancelled while the data is still being read, the Fit throws <see cref="OperationCanceledException"/>. Unlike
    /// <c>mlContext.CancelExecution()</c>, which cancels everything running on that MLContext and stays set (every
    /// later Fit on it is cancelled too), the MLContext stays usable. Default: none.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Called after every epoch with its metrics. Default null.</summary>
    public Action<EpochMetrics>? OnEpochEnd { get; set; }

    /// <summary>
    /// Called after every step on the CPU, e.g. to draw a progress bar; on CUDA after every 25th step and each
    /// epoch's last, because reading the running loss makes the host wait for the GPU. Default null.
    /// </summary>
    public Action<TrainingProgress>? OnProgress { get; set; }

    /// <summary>Steps between reads from the device (null: every step on the CPU, 25 on CUDA); tests set it on the CPU.</summary>
    internal int? HostReadInterval { get; set; }

    /// <summary>
    /// Callbacks that act on the training events (see <see cref="TrainingCallback"/>), run among the built-in ones
    /// by their <see cref="TrainingCallback.Order"/>.
    /// Default empty.
    /// </summary>
    public IList<TrainingCallback> Callbacks { get; set; } = new List<TrainingCallback>();

    /// <summary>What training minimises; null: cross-entropy with <see cref="LabelSmoothing"/>.</summary>
    public TrainingObjective? Objective { get; set; }

    /// <summary>
    /// Average the weights during training (<see cref="MLExtensions.WeightAveraging.Ema"/> or
    /// <see cref="MLExtensions.WeightAveraging.Swa"/>); the fitted model holds the average. Default null: none.
    /// </summary>
    public WeightAveraging? WeightAveraging { get; set; }

    /// <summary>
    /// Where to write a checkpoint at the end of every epoch (the newest two are kept): everything a run needs to
    /// continue exactly, written atomically. Null: no checkpoints.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// Continue from the latest complete checkpoint in <see cref="CheckpointDirectory"/> (start at the first epoch
    /// when it holds none). On the CPU, a run resumed with the same settings ends with the same weights, bit for
    /// bit, as one that was never interrupted.
    /// Default false.
    /// </summary>
    public bool ResumeFromCheckpoint { get; set; }

    /// <summary>
    /// Throw <see cref="TrainingDivergedException"/> on a NaN/∞ loss (true), or return the last good weights. Default
    /// true.
    /// </summary>
    public bool ThrowOnDivergence { get; set; } = true;

    /// <summary>
    /// Run <c>TrainingDiagnostics.SanityCheck</c> before training and refuse to start (an
    /// <see cref="InvalidOperationException"/> with the report) when a check fails. The report is logged either way.
    /// Default false.
    /// </summary>
    public bool SanityCheckFirst { get; set; }

    /// <summary>
    /// Memory for the training (and, separately, the validation) images, in bytes: images that fit are kept in memory,
    /// as bytes when they are 8-bit (an image column or encoded image bytes) and floats otherwise; larger data goes to a disk cache in
    /// <see cref="DataCacheDirectory"/> written on the first pass and read a batch at a time. Default 1 GiB.
    /// </summary>
    public long DataCacheBytes { get; set; } = DefaultDataCacheBytes;

    /// <summary>
    /// Where the disk cache of images larger than <see cref="DataCacheBytes"/> goes (deleted after training); null: the
    /// temporary folder.
    /// </summary>
    public string? DataCacheDirectory { get; set; }

    /// <summary>
    /// Threads that read the next batches from the disk cache while a step trains (0 reads them on the training
    /// thread), and that decode encoded images on the first pass.
    /// In [0, 64]; default 2.
    /// </summary>
    public int PrefetchWorkers { get; set; } = 2;

    /// <summary>
    /// Leave out rows whose encoded image bytes cannot be decoded (corrupt, truncated, not an image), with a warning
    /// that counts and names them; false (default): such a row stops training with an error naming it.
    /// </summary>
    public bool SkipUnreadableImages { get; set; }

    /// <summary>
    /// Leave out rows whose float image holds a NaN or infinite value, with a warning that counts and names them;
    /// false (default): such a row stops training with an <see cref="InvalidImageInputException"/> naming it.
    /// </summary>
    public bool SkipNonFiniteImages { get; set; }

    /// <summary>The default <see cref="DataCacheBytes"/>: 1 GiB.</summary>
    public const long DefaultDataCacheBytes = 1L << 30;

    /// <summary>
    /// Rows per forward pass of the fitted transformer's <c>Transform</c>. On the CPU it is capped by the image size
    /// (256 rows of 28×28, 32 of 128×128, 8 of 224×224), which runs large images about twice as fast.
    /// At least 1; default 256.
    /// </summary>
    public int InferenceBatchSize { get; set; } = ImageCnnTransformer.DefaultInferenceBatchSize;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    internal virtual void Validate()
    {
        Require(Epochs >= 1, $"Epochs must be at least 1, got {Epochs}.");
        Require(BatchSize is null or >= 1, $"BatchSize must be at least 1, got {BatchSize}.");
        Require(InferenceBatchSize >= 1, $"InferenceBatchSize must be at least 1, got {InferenceBatchSize}.");
        Require(DataCacheBytes >= 0, $"DataCacheBytes must be 0 (always the disk cache) or more, got {DataCacheBytes}.");
        Require(PrefetchWorkers is >= 0 and <= 64, $"PrefetchWorkers must be in [0, 64], got {PrefetchWorkers}.");
        Require(LearningRate is null || (LearningRate > 0 && double.IsFinite(LearningRate.Value)), $"LearningRate must be positive, got {LearningRate}.");
        Require(Dropout is >= 0 and < 1, $"Dropout must be in [0, 1), got {Dropout}.");
        Require(LabelSmoothing is >= 0 and < 1, $"LabelSmoothing must be in [0, 1), got {LabelSmoothing}.");
        Require(WeightDecay >= 0 && L1Regularization >= 0, "WeightDecay and L1Regularization cannot be negative.");
        Require(ValidationFraction is >= 0 and < 1, $"ValidationFraction must be in [0, 1), got {ValidationFraction}.");
        Require(Momentum is >= 0 and < 1 && Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1 && RmsPropDecay is >= 0 and < 1,
            $"Momentum, Beta1, Beta2 and RmsPropDecay must be in [0, 1), got {Momentum}, {Beta1}, {Beta2} and {RmsPropDecay}.");
        Require(Epsilon > 0, $"Epsilon must be positive, got {Epsilon}.");
        Require(GradientClipNorm is null or > 0, $"GradientClipNorm must be positive, got {GradientClipNorm}.");
        Require(EarlyStopping is null || ValidationSet is not null || ValidationFraction > 0,
            "EarlyStopping monitors validation data: set ValidationSet or ValidationFraction.");
        Require(Callbacks is not null && Callbacks.All(c => c is not null), "Callbacks cannot be null or hold null.");
        Require(Objective is null || LabelSmoothing == 0,
            $"LabelSmoothing {LabelSmoothing} applies to the default objective only; with an Objective, set the smoothing on it (e.g. TrainingObjective.CrossEntropy(labelSmoothing)).");
        Require(!ResumeFromCheckpoint || !string.IsNullOrWhiteSpace(CheckpointDirectory),
            "ResumeFromCheckpoint needs CheckpointDirectory: the directory to resume from.");
    }

    /// <summary>
    /// A copy of these options with the settings left null filled in for images of <paramref name="shape"/>: what
    /// training then reads through <see cref="TrainingBatchSize"/>, <see cref="TrainingLearningRate"/> and
    /// <see cref="TrainingSchedule"/>.
    /// </summary>
    internal CnnTrainingOptions WithDefaultsFor(ImageShape shape)
    {
        var resolved = Copy<CnnTrainingOptions>();
        resolved.BatchSize ??= DefaultBatchSize(shape);
        resolved.LearningRate ??= DefaultLearningRate(shape);
        resolved.Schedule ??= ImageSizeDefaults.Schedule(shape);
        return resolved;
    }

    /// <summary>The batch size when <see cref="BatchSize"/> is null; a trainer may choose by the image size.</summary>
    private protected virtual int DefaultBatchSize(ImageShape shape) => ImageSizeDefaults.SmallImageBatchSize;

    /// <summary>
    /// The base rate when <see cref="LearningRate"/> is null; a trainer may choose by the image size.
    /// </summary>
    private protected virtual double DefaultLearningRate(ImageShape shape) => ImageSizeDefaults.SmallImageLearningRate;

    internal int TrainingBatchSize => BatchSize ?? throw Unresolved(nameof(BatchSize));
    internal double TrainingLearningRate => LearningRate ?? throw Unresolved(nameof(LearningRate));
    internal LearningRateSchedule TrainingSchedule => Schedule ?? throw Unresolved(nameof(Schedule));

    private static InvalidOperationException Unresolved(string setting)
        => new($"{setting} is read before WithDefaultsFor filled in its default.");

    /// <summary>
    /// A copy for a training run inside another (a sanity check, a learning-rate sweep, a search trial): no callbacks,
    /// no progress reports, no checkpoints, no sanity checks of its own, and divergence reported rather than thrown.
    /// </summary>
    internal T CopyForInnerRun<T>(int epochs) where T : CnnTrainingOptions
    {
        var copy = Copy<T>();
        copy.Callbacks.Clear();
        copy.OnEpochEnd = null;
        copy.OnProgress = null;
        copy.CheckpointDirectory = null;
        copy.ResumeFromCheckpoint = false;
        copy.SanityCheckFirst = false;
        copy.ThrowOnDivergence = false;
        copy.Epochs = epochs;
        return copy;
    }

    /// <summary>A copy of these options (sharing callbacks, policies and data) with its own callback list.</summary>
    internal T Copy<T>() where T : CnnTrainingOptions
    {
        var copy = (T)MemberwiseClone();
        copy.Callbacks = new List<TrainingCallback>(Callbacks);
        return copy;
    }

    private protected static void Require(bool ok, string message)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException("options", message);
    }

    /// <summary>
    /// The image shape the options declare for flat vectors (or the size encoded images are decoded to), or null
    /// when the column's dimensions give it; <paramref name="defaultChannels"/> when <see cref="Channels"/> is not set.
    /// </summary>
    internal ImageShape? DeclaredShape(int defaultChannels = 1)
    {
        if (ImageHeight is null && ImageWidth is null && Channels is null)
            return null;
        if (ImageHeight is not int height || ImageWidth is not int width)
            throw new ArgumentException("ImageHeight and ImageWidth must be set together.");
        return new ImageShape(Channels ?? defaultChannels, height, width);
    }
}
