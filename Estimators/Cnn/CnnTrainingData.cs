using Microsoft.ML.Runtime;
using MLExtensions.Augmentation;
using MLExtensions.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// The batches a CNN training run draws: the training images as one tensor on the training device (or, for a
/// linear probe, the frozen body's outputs for them), shuffled every epoch with a seeded generator, augmented per
/// batch; the validation images; and the state a checkpoint needs to continue the same shuffles and augmentations.
/// </summary>
internal sealed class CnnTrainingData : IDisposable
{
    private readonly ImageShape _shape;
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
    private Tensor _images;
    private Tensor _labels;

    internal CnnTrainingData(CnnTrainingOptions options, CnnTrainingInputs inputs, nn.Module<Tensor, Tensor> network,
        BodyFeatureCache? cache, int classes, Device device, int seed, IChannel channel)
    {
        if (cache is not null && (inputs.Augmented is not null || options.Augmentation is not null))
            throw new InvalidOperationException("Cached body features cannot be used with augmentation: the images change every epoch.");
        (_shape, _classes, _device, _network, _cache, _augmented) = (inputs.Shape, classes, device, network, cache, inputs.Augmented);
        _train = inputs.Train;
        (_images, _labels) = ReadTensors(_train);
        if (inputs.Validation is { } validation)
            Validation = ReadTensors(validation);
        _augmentation = options.Augmentation;
        _augmentationDraws = _augmentation is null ? null : new AugmentationContext(_augmentation.Seed ?? seed * 7919L + 1, device);
        _augmentation?.Fit(_images);

        Count = _train.Count;
        BatchSize = Math.Min(options.BatchSize, Count);
        if (BatchSize < options.BatchSize)
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
    public (Tensor Images, Tensor Labels)? Validation { get; }

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
    }

    private void ReadAgain(int epoch)
    {
        _images.Dispose();
        _labels.Dispose();
        _train = _augmented!.Read();
        if (_train.Count != Count)
            throw new InvalidOperationException($"The augmented training data had {Count} labelled rows in epoch 1 but {_train.Count} in epoch {epoch + 1}.");
        (_images, _labels) = ReadTensors(_train);
    }

    /// <summary>Batch <paramref name="step"/> of the epoch's order, augmented; its tensors belong to the caller's dispose scope.</summary>
    internal TrainingBatch Batch(int step)
    {
        int start = step * BatchSize, count = Math.Min(BatchSize, Count - start);
        var rows = _order.AsSpan(start, count).ToArray();
        var index = tensor(rows).to(_device);
        var inputs = _images.index_select(0, index);
        var labels = _labels.index_select(0, index);
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
    internal IEnumerable<Tensor> InputsInOrder()
    {
        for (long start = 0; start < Count; start += BatchSize)
            yield return _images.narrow(0, start, Math.Min(BatchSize, Count - start));
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

    private (Tensor Images, Tensor Labels) ReadTensors(CnnTrainingSet set)
    {
        var (images, labels) = set.ToTensors(_shape, _device);
        if (_cache is null)
            return (images, labels);
        using (images)
            return (_cache.Features(_network, images), labels);
    }

    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
        if (Validation is var (images, labels))
        {
            images.Dispose();
            labels.Dispose();
        }
        _augmentationDraws?.Dispose();
    }
}
