using Microsoft.ML.Runtime;
using MLExtensions.Cnn;
using MLExtensions.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// What a <see cref="TrainingCallback"/> sees of a training run, and what it may change: the loss (in
/// <see cref="TrainingCallback.OnLoss"/>), the learning rate (in <see cref="TrainingCallback.OnBatchBegin"/>), the
/// weights the run ends with (<see cref="RestoreWeights"/>), and whether it goes on (<see cref="RequestStop(string)"/>).
/// </summary>
public sealed class TrainingState
{
    private readonly IChannel _channel;
    private readonly List<EpochMetrics> _history = [];
    private readonly List<TrainableBlock> _blocks = [];
    private Parameter[] _trainable = [];
    private optim.Optimizer? _optimizer;
    private Tensor? _loss;
    private double? _lossValue;
    private Tensor? _lossSum;   // float64 on the device: the epoch's summed batch losses (loss × batch size)
    private Tensor? _correct;   // int64 on the device
    private (int Seen, double Loss, double Accuracy)? _readSoFar;
    private int _seen;
    private double _firstRate;
    private int? _weightsEpoch;

    internal TrainingState(string trainer, nn.Module<Tensor, Tensor> network, Device device, int epochs, int stepsPerEpoch,
        int trainingImages, bool hasValidation, IChannel channel)
    {
        Trainer = trainer;
        Network = network;
        Device = device;
        Epochs = epochs;
        StepsPerEpoch = stepsPerEpoch;
        TrainingImages = trainingImages;
        HasValidation = hasValidation;
        _channel = channel;
    }

    /// <summary>The trainer's name, as in its log messages ("ImageCnn", "FineTuneImageCnn").</summary>
    public string Trainer { get; }

    /// <summary>The whole network being trained (frozen parts included), on <see cref="Device"/>.</summary>
    public nn.Module<Tensor, Tensor> Network { get; }

    /// <summary>The device the network trains on.</summary>
    public Device Device { get; }

    /// <summary>
    /// The optimizer; it exists from <see cref="CallbackOrder.Unfreezing"/> in
    /// <see cref="TrainingCallback.OnFitBegin"/> on.
    /// </summary>
    public optim.Optimizer Optimizer
        => _optimizer ?? throw new InvalidOperationException("The optimizer is created in OnFitBegin at CallbackOrder.Unfreezing; use it from then on.");

    /// <summary>
    /// The parameters the optimizer holds: those that train now (a fine-tuning plan may add more at later epochs).
    /// </summary>
    public IReadOnlyList<Parameter> TrainableParameters => _trainable;

    /// <summary>Epochs the run is asked for.</summary>
    public int Epochs { get; }

    /// <summary>0-based index of the current epoch (<see cref="EpochMetrics.Epoch"/> is this plus one).</summary>
    public int Epoch { get; internal set; }

    /// <summary>Optimizer steps in one epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>0-based index of the current batch within the epoch.</summary>
    public int Step { get; private set; }

    /// <summary>
    /// Optimizer steps taken since training began (a resumed run counts those before the checkpoint).
    /// </summary>
    public long GlobalStep { get; internal set; }

    /// <summary>Training images per epoch.</summary>
    public int TrainingImages { get; }

    /// <summary>True when the run validates after every epoch.</summary>
    public bool HasValidation { get; }

    /// <summary>The current batch; set from the forward pass until the batch ends.</summary>
    public TrainingBatch? Batch { get; internal set; }

    /// <summary>The network's output for <see cref="Batch"/> [N,K].</summary>
    public Tensor? Logits { get; internal set; }

    /// <summary>
    /// The scalar the backward pass differentiates. Replace it in <see cref="TrainingCallback.OnLoss"/> to change what
    /// is optimised.
    /// </summary>
    public Tensor? Loss
    {
        get => _loss;
        set
        {
            _loss = value;
            _lossValue = null;
        }
    }

    /// <summary><see cref="Loss"/> as a number (read once per batch from the device).</summary>
    public double LossValue
        => _lossValue ??= _loss?.item<float>() ?? throw new InvalidOperationException("There is no loss outside a batch's OnLoss..OnBatchEnd events.");

    /// <summary>
    /// The base learning rate of the current step; block multipliers apply on top. Set it in
    /// <see cref="TrainingCallback.OnBatchBegin"/>.
    /// </summary>
    public double LearningRate { get; set; }

    /// <summary>
    /// The gradients' total L2 norm in this step, when a callback computed it (gradient clipping does).
    /// </summary>
    public double? GradientNorm { get; set; }

    /// <summary>Mean training loss over the epoch's batches so far (read from the device: see <see cref="ReadsDue"/>).</summary>
    public double TrainLossSoFar => ReadSoFar().Loss;

    /// <summary>
    /// Training accuracy over the epoch's batches so far (with dropout and augmentation active; read from the device:
    /// see <see cref="ReadsDue"/>).
    /// </summary>
    public double TrainAccuracySoFar => ReadSoFar().Accuracy;

    /// <summary>
    /// True at the steps where reading values back from the device is cheap enough to do: every step on the CPU;
    /// on CUDA every few steps and at the epoch's last step, since each read makes the host wait for the GPU.
    /// Callbacks that read <see cref="LossValue"/> or the running metrics every step can ask this first.
    /// </summary>
    public bool ReadsDue => Reads.Due(this);

    internal HostReads Reads { get; init; } = new(1);

    /// <summary>Training images the epoch has used so far.</summary>
    public int ImagesSeen => _seen;

    /// <summary>The epoch's metrics, from <see cref="TrainingCallback.OnValidationEnd"/> on.</summary>
    public EpochMetrics? Metrics { get; private set; }

    /// <summary>Metrics of every completed epoch (a resumed run includes those before the checkpoint).</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>True once a callback (or divergence) has asked the run to stop.</summary>
    public bool StopRequested => StopReason != TrainingStopReason.Completed;

    /// <summary><see cref="TrainingStopReason.Completed"/> while training goes on.</summary>
    public TrainingStopReason StopReason { get; private set; } = TrainingStopReason.Completed;

    /// <summary>Why the run was asked to stop, as logged; null while it runs on.</summary>
    public string? StopMessage { get; private set; }

    /// <summary>
    /// Completed epochs whose end the network's weights come from (the last one unless weights were restored).
    /// </summary>
    public int WeightsEpoch => _weightsEpoch ?? _history.Count;

    /// <summary>True once a callback restored earlier weights (the best epoch's, the last good ones).</summary>
    public bool WeightsRestored => _weightsEpoch is not null;

    /// <summary>
    /// Ends training after the current step (before it, when asked before the optimizer step); the reason is kept in
    /// <see cref="TrainingHistory.StopMessage"/>. The first request wins.
    /// </summary>
    public void RequestStop(string reason) => RequestStop(TrainingStopReason.Requested, reason);

    internal void RequestStop(TrainingStopReason reason, string message)
    {
        if (StopRequested)
            return;
        StopReason = reason;
        StopMessage = message;
    }

    /// <summary>Writes to the MLContext log, prefixed with the trainer's name.</summary>
    public void Log(string message) => _channel.Info(MessageSensitivity.None, $"{Trainer}: {message}");

    /// <summary>Logs a warning on the MLContext's log, prefixed with the trainer's name.</summary>
    public void Warn(string message) => _channel.Warning(MessageSensitivity.None, $"{Trainer}: {message}");

    /// <summary>Logs an epoch's metrics as the trainers always have: "ImageCnn epoch 3: loss …".</summary>
    internal void LogMetrics(EpochMetrics metrics) => _channel.Info(MessageSensitivity.None, $"{Trainer} {metrics}");

    /// <summary>
    /// A copy of the weights the fitted model would hold if training ended now: the network's, or their average
    /// when weight averaging is on. On <paramref name="device"/>, or the training device.
    /// </summary>
    public WeightSnapshot SnapshotWeights(Device? device = null) => WeightSnapshot.Of(ModelWeights(), _history.Count, device);

    /// <summary>
    /// Loads <paramref name="snapshot"/> into the network; the fitted model reports its epoch as the one it holds.
    /// </summary>
    public void RestoreWeights(WeightSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using (no_grad())
            Network.load_state_dict(snapshot.Dictionary);
        _weightsEpoch = snapshot.Epoch;
    }

    /// <summary>
    /// The classes' names in label-key order (the label's key values, or "key 1", "key 2", … without them).
    /// </summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>
    /// The training images in order, unaugmented, one batch at a time (caller disposes each); null when the network
    /// does not see images (cached body features).
    /// </summary>
    internal Func<IEnumerable<Tensor>>? TrainingInputs { get; init; }

    /// <summary>The training labels (class indices) in the order of <see cref="TrainingInputs"/>.</summary>
    internal Func<Tensor>? TrainingLabels { get; init; }

    /// <summary>
    /// The validation images in order, as <see cref="TrainingInputs"/>; null without validation data or images.
    /// </summary>
    internal Func<IEnumerable<Tensor>>? ValidationInputs { get; init; }

    /// <summary>The validation labels in the order of <see cref="ValidationInputs"/>.</summary>
    internal Tensor? ValidationLabels { get; init; }

    /// <summary>
    /// Averaged weights that stand for the network's in snapshots and in the fitted model (weight averaging).
    /// </summary>
    internal IReadOnlyDictionary<string, Tensor>? AveragedWeights { get; set; }

    private IEnumerable<KeyValuePair<string, Tensor>> ModelWeights()
    {
        var own = Network.state_dict();
        if (AveragedWeights is not { } averaged)
            return own;
        return own.Select(p => new KeyValuePair<string, Tensor>(p.Key, averaged.TryGetValue(p.Key, out var a) ? a : p.Value));
    }

    internal optim.Optimizer? OptimizerOrNull => _optimizer;

    /// <summary>The blocks that train, in the order of the optimizer's parameter groups.</summary>
    internal IReadOnlyList<TrainableBlock> TrainingBlocks => _blocks;

    internal void StartTraining(TrainableBlock block, optim.Optimizer optimizer)
    {
        _optimizer = optimizer;
        _blocks.Add(block);
        _trainable = _blocks.SelectMany(b => b.Parameters).ToArray();
    }

    /// <summary>Gives every parameter group the step's rate times its block's multiplier.</summary>
    internal void ApplyLearningRate()
    {
        int i = 0;
        foreach (var group in Optimizer.ParamGroups)
            group.LearningRate = LearningRate * _blocks[i++].RateMultiplier;
        if (Step == 0)
            _firstRate = LearningRate;
    }

    internal void BeginEpoch()
    {
        ReleaseSums();
        _lossSum = zeros(1, ScalarType.Float64, Device).DetachFromDisposeScope();
        _correct = zeros(1, ScalarType.Int64, Device).DetachFromDisposeScope();
        (_seen, _readSoFar) = (0, null);
        Metrics = null;
    }

    internal void ReleaseSums()
    {
        _lossSum?.Dispose();
        _correct?.Dispose();
        (_lossSum, _correct) = (null, null);
    }

    private (int Seen, double Loss, double Accuracy) ReadSoFar()
    {
        if (_seen == 0 || _lossSum is null || _correct is null)
            return (0, double.NaN, double.NaN);
        if (_readSoFar is not { } read || read.Seen != _seen)
            _readSoFar = read = (_seen, _lossSum.item<double>() / _seen, (double)_correct.item<long>() / _seen);
        return read;
    }

    internal void BeginBatch(int step)
    {
        Step = step;
        GradientNorm = null;
    }

    internal void RecordBatch()
    {
        var batch = Batch!;
        using (no_grad())
        {
            _lossSum!.add_(Loss!.detach().to(ScalarType.Float64) * batch.Count);
            _correct!.add_(Logits!.argmax(1).eq(batch.Labels).sum());
        }
        _seen += batch.Count;
    }

    internal void EndBatch()
    {
        Batch = null;
        Logits = null;
        Loss = null;
    }

    internal void CompleteEpoch(double? validationLoss, double? validationAccuracy, double seconds)
        => CompleteEpoch(new EpochMetrics(Epoch + 1, _lossSum!.item<double>() / TrainingImages, (double)_correct!.item<long>() / TrainingImages,
            validationLoss, validationAccuracy, _firstRate, seconds));

    internal void CompleteEpoch(EpochMetrics metrics) => Metrics = metrics;

    internal void RecordEpoch() => _history.Add(Metrics!);

    /// <summary>Continues a run from a checkpoint: the next epoch, the steps taken and the history so far.</summary>
    internal void Resume(int epoch, long globalStep, IEnumerable<EpochMetrics> history)
    {
        Epoch = epoch;
        GlobalStep = globalStep;
        _history.Clear();
        _history.AddRange(history);
    }

    internal TrainingHistory ToHistory(long skippedRows)
        => new(_history.ToArray(), StopReason, WeightsEpoch, skippedRows, StopMessage) { FailedCheckpoints = _failedCheckpoints.ToArray() };

    private readonly List<string> _failedCheckpoints = [];

    /// <summary>Records a checkpoint that could not be written, for <see cref="TrainingHistory.FailedCheckpoints"/>.</summary>
    internal void NoteFailedCheckpoint(string failure) => _failedCheckpoints.Add(failure);
}
