using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Writes a training run as TensorBoard event files (<c>tensorboard --logdir DIR</c> opens them), through TorchSharp's
/// <c>SummaryWriter</c>: every <see cref="StepInterval"/> steps the batch loss, learning rate and gradient norms (the
/// whole network's and each layer's); every epoch the epoch's losses and accuracies, histograms of every weight and of
/// the last batch's gradients, and a fixed set of training images (the first <see cref="ImageCount"/>, unaugmented) as a
/// grid with the network's predictions for them as text. Add it to <c>Options.Callbacks</c>.
/// </summary>
public sealed class TensorBoardLogger(string logDirectory) : TrainingCallback
{
    private SummaryWriter? _writer;
    private Tensor? _images;

    /// <summary>The folder the event files are written to (created if needed).</summary>
    public string LogDirectory { get; } = logDirectory ?? throw new ArgumentNullException(nameof(logDirectory));

    /// <summary>Steps between per-step scalars.</summary>
    public int StepInterval { get; init; } = 20;

    /// <summary>Weight and gradient histograms every epoch.</summary>
    public bool Histograms { get; init; } = true;

    /// <summary>Training images logged with their predictions every epoch (0: none).</summary>
    public int ImageCount { get; init; } = 8;

    // After the metrics are computed and before checkpoints.
    public override int Order => CallbackOrder.Reporting + 1;

    public override void OnFitBegin(TrainingState state)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(StepInterval, 1);
        Directory.CreateDirectory(LogDirectory);
        _writer = utils.tensorboard.SummaryWriter(LogDirectory);
        _images?.Dispose();
        _images = ImageCount > 0 ? FirstImages(state) : null;
        state.Log($"writing TensorBoard logs to '{Path.GetFullPath(LogDirectory)}' (tensorboard --logdir \"{LogDirectory}\").");
    }

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
        if (_images is not null)
            WriteImages(state, epoch);
    }

    public override void OnFitEnd(TrainingState state)
    {
        _images?.Dispose();
        _images = null;
        _writer = null;
    }

    private void WriteStep(TrainingState state)
    {
        int step = (int)state.GlobalStep + 1;
        Scalar("step/train_loss", state.LossValue, step);
        Scalar("step/learning_rate", state.LearningRate, step);
        double total = 0;
        foreach (var group in state.Network.named_parameters().Where(p => p.parameter.grad is not null)
                     .GroupBy(p => p.name.Contains('.') ? p.name[..p.name.LastIndexOf('.')] : p.name))
        {
            double squares = group.Sum(p => { using var s = p.parameter.grad!.detach().to(ScalarType.Float64).square().sum(); return s.item<double>(); });
            total += squares;
            Scalar($"gradient_norm/{group.Key}", Math.Sqrt(squares), step);
        }
        Scalar("step/gradient_norm", Math.Sqrt(total), step);
    }

    private void WriteImages(TrainingState state, int epoch)
    {
        bool training = state.Network.training;
        state.Network.eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var probabilities = state.Network.forward(_images!.to(state.Device)).softmax(1).cpu();
            var (best, classes) = probabilities.max(1);
            var lines = Enumerable.Range(0, (int)_images!.shape[0]).Select(i =>
                $"{i + 1}. {Name(state, classes[i].item<long>())} ({best[i].item<float>().ToString("P1", CultureInfo.InvariantCulture)})");
            _writer!.add_text("images/training_predictions", string.Join("  \n", lines), epoch);
            _writer.add_img("images/training", Displayable(_images!), epoch, dataformats: "NCHW");
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

    private Tensor? FirstImages(TrainingState state)
    {
        if (state.TrainingInputs is not { } inputs)
            return null;
        foreach (var batch in inputs())
            using (batch)
                return batch[..Math.Min(ImageCount, (int)batch.shape[0])].cpu().clone().DetachFromDisposeScope();
        return null;
    }

    private void Scalar(string tag, double value, int step) => _writer!.add_scalar(tag, (float)value, step);
}
