using System.Globalization;
using MLExtensions.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Writes a training run as TensorBoard event files (<c>tensorboard --logdir DIR</c> opens them), through TorchSharp's
/// <c>SummaryWriter</c>: every <see cref="StepInterval"/> steps the batch loss, learning rate and gradient norms (the
/// whole network's and each layer's); every epoch the epoch's losses and accuracies, histograms of every weight and of
/// the last batch's gradients, and a fixed set of training and validation images (the first <see cref="ImageCount"/>
/// of each, unaugmented) as grids with their true and predicted classes as text. Add it to <c>Options.Callbacks</c>.
/// </summary>
public sealed class TensorBoardLogger(string logDirectory) : TrainingCallback
{
    private SummaryWriter? _writer;
    private readonly List<(string Set, Tensor Images, long[] Labels)> _fixed = [];

    /// <summary>The folder the event files are written to (created if needed).</summary>
    public string LogDirectory { get; } = logDirectory ?? throw new ArgumentNullException(nameof(logDirectory));

    /// <summary>Steps between per-step scalars.</summary>
    public int StepInterval { get; init; } = 20;

    /// <summary>Weight and gradient histograms every epoch.</summary>
    public bool Histograms { get; init; } = true;

    /// <summary>Training images, and validation images, logged with their predictions every epoch (0: none).</summary>
    public int ImageCount { get; init; } = 8;

    // After the metrics are computed and before checkpoints.
    /// <inheritdoc />
    public override int Order => CallbackOrder.Reporting + 1;

    /// <inheritdoc />
    public override void OnFitBegin(TrainingState state)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(StepInterval, 1);
        Directory.CreateDirectory(LogDirectory);
        _writer = utils.tensorboard.SummaryWriter(LogDirectory);
        ReleaseImages();
        if (ImageCount > 0)
        {
            AddFixed("training", state.TrainingInputs, state.TrainingLabels?.Invoke());
            AddFixed("validation", state.ValidationInputs, state.ValidationLabels);
        }
        state.Log($"writing TensorBoard logs to '{Path.GetFullPath(LogDirectory)}' (tensorboard --logdir \"{LogDirectory}\").");
    }

    /// <inheritdoc />
    public override void OnBackward(TrainingState state)
    {
        bool lastBatch = state.Step == state.StepsPerEpoch - 1;
        if (state.GlobalStep % StepInterval == 0)
            WriteStep(state);
        if (Histograms && lastBatch)
            foreach (var (name, parameter) in state.Network.named_parameters())
                if (parameter.grad is { } grad)
                    _writer!.add_histogram($"gradients/{name}", grad.detach().cpu(), state.Epoch + 1);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingState state)
    {
        if (state.Metrics is not { } metrics)
            return;
        int epoch = metrics.Epoch;
        Scalar("epoch/train_loss", metrics.TrainLoss, epoch);
        Scalar("epoch/train_accuracy", metrics.TrainAccuracy, epoch);
        Scalar("epoch/learning_rate", metrics.LearningRate, epoch);
        if (metrics.ValidationLoss is double validationLoss)
            Scalar("epoch/validation_loss", validationLoss, epoch);
        if (metrics.ValidationAccuracy is double validationAccuracy)
            Scalar("epoch/validation_accuracy", validationAccuracy, epoch);
        if (Histograms)
            foreach (var (name, parameter) in state.Network.named_parameters())
                _writer!.add_histogram($"weights/{name}", parameter.detach().cpu(), epoch);
        foreach (var (set, images, labels) in _fixed)
            WriteImages(state, set, images, labels, epoch);
    }

    /// <inheritdoc />
    public override void OnFitEnd(TrainingState state)
    {
        ReleaseImages();
        _writer = null;
    }

    private void ReleaseImages()
    {
        foreach (var (_, images, _) in _fixed)
            images.Dispose();
        _fixed.Clear();
    }

    private void WriteStep(TrainingState state)
    {
        int step = (int)state.GlobalStep + 1;
        Scalar("step/train_loss", state.LossValue, step);
        Scalar("step/learning_rate", state.LearningRate, step);
        double total = 0;
        foreach (var (layer, parameters) in LayerGradients.Of(state.Network))
        {
            double squares = LayerGradients.SquaredNorm(parameters.Select(p => p.grad!));
            total += squares;
            Scalar($"gradient_norm/{layer}", Math.Sqrt(squares), step);
        }
        Scalar("step/gradient_norm", Math.Sqrt(total), step);
    }

    private void WriteImages(TrainingState state, string set, Tensor images, long[] labels, int epoch)
    {
        bool training = state.Network.training;
        state.Network.eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var probabilities = state.Network.forward(images.to(state.Device)).softmax(1).cpu();
            var (best, classes) = probabilities.max(1);
            var lines = Enumerable.Range(0, (int)images.shape[0]).Select(i =>
                $"{i + 1}. true {Name(state, labels[i])}, predicted {Name(state, classes[i].item<long>())} ({best[i].item<float>().ToString("P1", CultureInfo.InvariantCulture)})");
            _writer!.add_text($"images/{set}_predictions", string.Join("  \n", lines), epoch);
            _writer.add_img($"images/{set}", Displayable(images), epoch, dataformats: "NCHW");
        }
        state.Network.train(training);
    }

    private static string Name(TrainingState state, long key) => key < state.ClassNames.Count ? state.ClassNames[(int)key] : $"class {key}";

    // Each image stretched to [0, 1], as the network's input may be standardized; grey as RGB (TorchSharp's image
    // summary fails on one-channel NCHW batches).
    private static Tensor Displayable(Tensor images)
    {
        var flat = images.flatten(1);
        var low = flat.min(1).values.view(-1, 1, 1, 1);
        var high = flat.max(1).values.view(-1, 1, 1, 1);
        var stretched = ((images - low) / (high - low + 1e-8)).clamp(0, 1);
        return stretched.shape[1] == 1 ? stretched.expand(-1, 3, -1, -1).contiguous() : stretched;
    }

    // The first ImageCount images of a set and their labels, kept on the CPU for the whole run.
    private void AddFixed(string set, Func<IEnumerable<Tensor>>? inputs, Tensor? labels)
    {
        if (inputs is null || labels is null)
            return;
        foreach (var batch in inputs())
            using (batch)
            {
                int count = Math.Min(ImageCount, (int)batch.shape[0]);
                var images = batch[..count].cpu().clone().DetachFromDisposeScope();
                _fixed.Add((set, images, labels[..count].cpu().data<long>().ToArray()));
                return;
            }
    }

    private void Scalar(string tag, double value, int step) => _writer!.add_scalar(tag, (float)value, step);
}
