using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLExtensions;

/// <summary>
/// The short training runs behind <see cref="TrainingDiagnostics"/> (sanity checks, the learning-rate finder), each on
/// a quiet copy of the options: augmentation, validation, early stopping, averaging, checkpoints and the user's
/// callbacks off, and regularisation off unless asked to keep it.
/// </summary>
internal sealed class ProbeRuns(IHostEnvironment env, CnnTrainingOptions options, IDataView data, int seed)
{
    private readonly MLContext _ml = new(seed);

    /// <param name="Steps">Optimizer steps taken.</param>
    /// <param name="Accuracy">Training accuracy of the last epoch.</param>
    internal sealed record Fit(int Images, int Steps, double Loss, double Accuracy, double ValidationAccuracy, int ValidationImages, bool Diverged, double LearningRate);

    /// <summary>The loss of the first batch of <paramref name="rows"/> random rows, before any step, with an L1 penalty <paramref name="l1"/>.</summary>
    internal double InitialLoss(int rows, double l1)
    {
        var sample = Sample(rows, out int count);
        var recorder = new FirstLoss();
        var quiet = Quiet(epochs: 1, batchSize: count);
        quiet.L1Regularization = l1;
        quiet.Callbacks.Add(recorder);
        Trainer(quiet).Fit(sample);
        return recorder.Loss;
    }

    /// <summary>Trains on <paramref name="images"/> random images, one batch of all of them per step, until they are all right or <paramref name="maxSteps"/>.</summary>
    internal Fit OverfitSmallSet(int images, int maxSteps)
    {
        var sample = Sample(images, out int count);
        var quiet = Quiet(epochs: maxSteps, batchSize: count);
        quiet.Schedule = LearningRateSchedule.Constant();
        quiet.Callbacks.Add(new StopWhenAllRight());
        return Summarise(Trainer(quiet).Fit(sample), count, 0, count);
    }

    /// <summary>Trains <paramref name="epochs"/> epochs on <paramref name="images"/> random images with a fifth held out.</summary>
    internal Fit ShortTraining(int images, int epochs)
    {
        var sample = Sample(images, out int count);
        const int batchSize = 32;
        var quiet = Quiet(epochs, batchSize);
        quiet.ValidationFraction = 0.2;
        return Summarise(Trainer(quiet).Fit(sample), count, (int)Math.Round(count * 0.2), batchSize);
    }

    private static Fit Summarise(ImageCnnTransformer model, int images, int validationImages, int batchSize)
    {
        var epochs = model.History.Epochs;
        var last = epochs.Count > 0 ? epochs[^1] : null;
        int stepsPerEpoch = Math.Max(1, (int)Math.Ceiling((images - validationImages) / (double)batchSize));
        return new Fit(images, epochs.Count * stepsPerEpoch, last?.TrainLoss ?? double.NaN, last?.TrainAccuracy ?? 0,
            last?.ValidationAccuracy ?? 0, validationImages, model.History.StopReason == TrainingStopReason.Diverged, last?.LearningRate ?? double.NaN);
    }

    /// <summary>Trains on up to <paramref name="rows"/> random rows with the options' regularisation, its callbacks after <paramref name="probe"/>.</summary>
    internal ImageCnnTransformer Run(int rows, int epochs, TrainingCallback probe)
    {
        var sample = Sample(rows, out _);
        var quiet = Quiet(epochs, options.BatchSize ?? 0, keepRegularisation: true);
        quiet.Callbacks.Add(probe);
        return Trainer(quiet).Fit(sample);
    }

    private IDataView Sample(int rows, out int count)
    {
        var sample = _ml.Data.Cache(_ml.Data.TakeRows(_ml.Data.ShuffleRows(data, seed), rows));
        count = 0;
        using (var cursor = sample.GetRowCursor(sample.Schema))
            while (cursor.MoveNext())
                count++;
        return sample;
    }

    /// <param name="batchSize">0: the options' own (or its default).</param>
    private CnnTrainingOptions Quiet(int epochs, int batchSize, bool keepRegularisation = false)
    {
        var quiet = options.CopyForInnerRun<CnnTrainingOptions>(epochs);
        if (!keepRegularisation)
        {
            quiet.WeightDecay = quiet.L1Regularization = quiet.Dropout = 0;
            if (quiet.Objective is null)
                quiet.LabelSmoothing = 0;
        }
        quiet.Augmentation = null;
        quiet.EarlyStopping = null;
        quiet.ValidationSet = null;
        quiet.ValidationFraction = 0;
        quiet.WeightAveraging = null;
        if (batchSize > 0)
            quiet.BatchSize = batchSize;
        quiet.Seed ??= seed;
        return quiet;
    }

    private IEstimator<ImageCnnTransformer> Trainer(CnnTrainingOptions quiet) => Cnn.CnnTrainers.For(env, quiet);

    private sealed class FirstLoss : TrainingCallback
    {
        public double Loss { get; private set; } = double.NaN;

        public override void OnLoss(TrainingState state)
        {
            Loss = state.LossValue;
            state.RequestStop("the sanity check measured the initial loss");
        }
    }

    private sealed class StopWhenAllRight : TrainingCallback
    {
        public override void OnEpochEnd(TrainingState state)
        {
            if (state.Metrics is { TrainAccuracy: >= 1 })
                state.RequestStop("every image is classified right");
        }
    }
}
