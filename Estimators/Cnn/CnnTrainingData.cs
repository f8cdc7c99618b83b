using Microsoft.ML.Runtime;
using MLExtensions.Augmentation;
using MLExtensions.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// The batches a CNN training run draws: the training rows (their images from the set's store, read ahead on
/// worker threads when it is on disk, or, for a linear probe, the frozen body's outputs for them), shuffled every
/// epoch with a seeded generator, augmented per batch; the validation rows; and the state a checkpoint needs to
/// continue the same shuffles and augmentations. The shuffle permutes row indices, so it is the same wherever the
/// images are kept.
/// </summary>
internal sealed class CnnTrainingData : IDisposable
{
    private readonly CnnTrainingOptions _options;
    private readonly int _classes;
    private readonly Device _device;
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly BodyFeatureCache? _cache;
    private readonly AugmentedTrainingData? _augmented;
    private readonly ImageAugmentation? _augmentation;
    private readonly AugmentationContext? _augmentationDraws;
    private readonly ReproducibleRandom _shuffle;
    private readonly long[] _order;
    private CnnTrainingSet _train;
    private SetBatches _batches;

    internal CnnTrainingData(CnnTrainingOptions options, CnnTrainingInputs inputs, nn.Module<Tensor, Tensor> network,
        BodyFeatureCache? cache, int classes, Device device, int seed, IChannel channel)
    {
        if (cache is not null && (inputs.Augmented is not null || options.Augmentation is not null))
            throw new InvalidOperationException("Cached body features cannot be used with augmentation: the images change every epoch.");
        (_options, _classes, _device, _network, _cache, _augmented) = (options, classes, device, network, cache, inputs.Augmented);
        _train = inputs.Train;
        _train.Store.Share();
        _batches = Batches(_train);
        if (inputs.Validation is { } validation)
            Validation = Batches(validation);
        _augmentation = options.Augmentation;
        _augmentationDraws = _augmentation is null ? null : new AugmentationContext(_augmentation.Seed ?? seed * 7919L + 1, device);
        FitAugmentation();

        Count = _train.Count;
        BatchSize = Math.Min(options.TrainingBatchSize, Count);
        if (BatchSize < options.TrainingBatchSize)
            channel.Warning(MessageSensitivity.None, $"ImageCnn: BatchSize {options.BatchSize} is larger than the {Count} training images; using batches of {Count}.");
        StepsPerEpoch = (Count + BatchSize - 1) / BatchSize;
        _order = new long[Count];
        for (int i = 0; i < Count; i++)
            _order[i] = i;
        _shuffle = new ReproducibleRandom(seed);
    }

    public int Count { get; }
    public int BatchSize { get; }
    public int StepsPerEpoch { get; }

    /// <summary>The validation rows, or null without validation.</summary>
    public SetBatches? Validation { get; }

    /// <summary>Training rows left out of the latest read for a missing label.</summary>
    public long SkippedRows => _train.SkippedRows;

    /// <summary>True when the network itself runs on the images (false for a linear probe on cached features).</summary>
    public bool SeesImages => _cache is null;

    /// <summary>Reads newly augmented images when an upstream step augments (from the second epoch on), then shuffles.</summary>
    internal void BeginEpoch(int epoch)
    {
        if (epoch > 0 && _augmented is not null)
            ReadAgain(epoch);
        _shuffle.Shuffle(_order);
        _batches.Begin(OrderOf, StepsPerEpoch);
    }

    private long[] OrderOf(int step)
    {
        int start = step * BatchSize;
        return _order.AsSpan(start, Math.Min(BatchSize, Count - start)).ToArray();
    }

    private void ReadAgain(int epoch)
    {
        var train = _augmented!.Read();
        if (train.Count != Count)
        {
            train.Dispose();
            throw new InvalidOperationException($"The augmented training data had {Count} labelled rows in epoch 1 but {train.Count} in epoch {epoch + 1}.");
        }
        _batches.Dispose();
        _train.Dispose();
        _train = train;
        _batches = Batches(_train);
    }

    /// <summary>Batch <paramref name="step"/> of the epoch's order, augmented; its tensors belong to the caller's dispose scope.</summary>
    internal TrainingBatch Batch(int step)
    {
        var (inputs, labels, rows) = _batches.Load(step);
        Tensor? targets = null;
        if (_augmentation is not null)
            using (no_grad())
            {
                if (_augmentation.MixesLabels)
                    targets = nn.functional.one_hot(labels, _classes).to(ScalarType.Float32);
                (inputs, targets) = _augmentation.Apply(inputs, targets, _augmentationDraws!);
            }
        return new TrainingBatch(inputs, labels, targets, rows);
    }

    /// <summary>The training inputs in their stored order, unaugmented, a batch at a time; the caller disposes each.</summary>
    internal IEnumerable<Tensor> InputsInOrder() => _batches.InOrder(BatchSize);

    /// <summary>The training labels (0-based class indices) in stored order.</summary>
    internal Tensor LabelsInOrder => _batches.Labels;

    // PCA lighting fits the channel statistics of (at most) the first 10,000 training images.
    private void FitAugmentation()
    {
        if (_augmentation is null || !_augmentation.NeedsFit)
            return;
        using var scope = NewDisposeScope();
        var first = _train.StoreRows(0, Math.Min(_train.Count, ImageAugmentation.FitImages));
        _augmentation.Fit(_train.Store.Load(first, _device));
    }
    internal void SaveState(CheckpointState checkpoint)
    {
        checkpoint.Set("order", _order);
        checkpoint.Set("shuffle", _shuffle.GetState());
        if (_augmentationDraws is null)
            return;
        var (tensors, scalars) = _augmentationDraws.GetState();
        using (tensors)
            checkpoint.Set("augmentation tensors", tensors);
        checkpoint.Set("augmentation scalars", scalars);
    }

    /// <summary>Continues the shuffles and augmentations of a checkpoint written before epoch <paramref name="nextEpoch"/> (0-based).</summary>
    internal void LoadState(CheckpointState checkpoint, int nextEpoch)
    {
        var order = checkpoint.GetInt64s("order");
        if (order.Length != Count)
            throw new InvalidDataException($"The checkpoint shuffles {order.Length} training images, but this data has {Count}.");
        order.CopyTo(_order, 0);
        _shuffle.SetState(checkpoint.GetBytes("shuffle"));
        if (_augmentationDraws is not null)
        {
            using var tensors = checkpoint.GetTensor("augmentation tensors");
            using var onCpu = tensors.cpu();
            _augmentationDraws.SetState(onCpu, checkpoint.GetBytes("augmentation scalars"));
        }
        // The interrupted run had read the augmented data once per epoch so far; this one has read it once.
        _augmented?.SkipPasses(nextEpoch - 1);
    }

    private SetBatches Batches(CnnTrainingSet set)
    {
        var batches = new SetBatches(set, _device, _options.PrefetchWorkers);
        if (_cache is not null)
            batches.CacheFeatures(images => _cache.Features(_network, images), BodyFeatureCache.BatchSize);
        return batches;
    }

    public void Dispose()
    {
        _batches.Dispose();
        Validation?.Dispose();
        _train.Dispose();
        _augmentationDraws?.Dispose();
    }
}
