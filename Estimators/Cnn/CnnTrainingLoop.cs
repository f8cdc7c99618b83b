using System.Diagnostics;
using Microsoft.ML.Runtime;
using MLExtensions.Augmentation;
using MLExtensions.MLNetInternals;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// The epoch/step loop of <see cref="ImageCnnTrainer"/>: seeded shuffling, schedule, penalties, clipping,
/// validation, early stopping, reduce-on-plateau, divergence and cancellation handling. Every step runs inside a
/// dispose scope so native memory stays flat across epochs.
/// </summary>
internal sealed class CnnTrainingLoop
{
    private const int EvaluationBatchSize = 512;

    private readonly CnnTrainingOptions _o;
    private readonly ImageShape _shape;
    private readonly int _classes;
    private readonly Device _device;
    private readonly int _seed;
    private readonly IHost _host;
    private readonly IChannel _channel;

    internal CnnTrainingLoop(CnnTrainingOptions options, ImageShape shape, int classes, Device device, int seed, IHost host, IChannel channel)
    {
        _o = options;
        _shape = shape;
        _classes = classes;
        _device = device;
        _seed = seed;
        _host = host;
        _channel = channel;
    }

    /// <summary>Called after every completed epoch with its 1-based number and the network (e.g. to snapshot its weights).</summary>
    internal Action<int, nn.Module>? EpochCompleted { get; init; }

    /// <summary>Trains <paramref name="network"/> (already on the training device) in place, as <paramref name="plan"/> says.</summary>
    /// <returns>The history, and a message when the loss diverged.</returns>
    /// <param name="readAgain">When given, reads a fresh (newly augmented) training set for every epoch after the first.</param>
    internal (TrainingHistory History, string? Diverged) Run(nn.Module<Tensor, Tensor> network, TrainingPlan plan,
        CnnTrainingSet train, CnnTrainingSet? validation, Func<CnnTrainingSet>? readAgain = null)
    {
        random.manual_seed(_seed);
        var cache = plan.Cache;
        if (cache is not null && (readAgain is not null || _o.Augmentation is not null))
            throw new InvalidOperationException("Cached body features cannot be used with augmentation: the images change every epoch.");
        // What each step runs: the whole network, or only its head over cached body features.
        var runner = cache?.Head ?? network;
        var (trainImages, trainLabels) = ReadTensors(train, network, cache);
        Tensor? validationImages = null, validationLabels = null;
        if (validation is not null)
            (validationImages, validationLabels) = ReadTensors(validation, network, cache);
        using var validationImagesLifetime = validationImages;
        using var validationLabelsLifetime = validationLabels;

        foreach (var parameter in network.parameters())
            parameter.requires_grad = false;
        var trainable = new List<TrainableBlock>();
        optim.Optimizer? optimizer = null;
        var augmentation = _o.Augmentation;
        using var augmentationContext = augmentation is null ? null : new AugmentationContext(augmentation.Seed ?? _seed * 7919L + 1, _device);
        augmentation?.Fit(trainImages);

        int n = train.Count;
        int batchSize = Math.Min(_o.BatchSize, n);
        if (batchSize < _o.BatchSize)
            _channel.Warning(MessageSensitivity.None, $"ImageCnn: BatchSize {_o.BatchSize} is larger than the {n} training images; using batches of {n}.");
        int steps = (n + batchSize - 1) / batchSize;
        var order = new long[n];
        for (int i = 0; i < n; i++)
            order[i] = i;
        var shuffle = new Random(_seed);

        var epochs = new List<EpochMetrics>();
        Dictionary<string, Tensor>? lastGood = Snapshot(network);
        Dictionary<string, Tensor>? best = null;
        double bestMetric = double.NaN;
        int bestEpoch = 0, bestEpochSeen = 0, sinceBest = 0;
        double plateauFactor = 1, plateauBest = double.PositiveInfinity;
        int plateauWait = 0;
        var stopReason = TrainingStopReason.Completed;
        string? diverged = null;

        try
        {
            for (int epoch = 0; epoch < _o.Epochs && stopReason == TrainingStopReason.Completed; epoch++)
            {
                var clock = Stopwatch.StartNew();
                if (epoch > 0 && readAgain is not null)
                {
                    trainImages.Dispose();
                    trainLabels.Dispose();
                    train = readAgain();
                    if (train.Count != n)
                        throw new InvalidOperationException($"The augmented training data had {n} labelled rows in epoch 1 but {train.Count} in epoch {epoch + 1}.");
                    (trainImages, trainLabels) = ReadTensors(train, network, cache);
                }
                optimizer = StartBlocks(plan, epoch, trainable, optimizer);
                var parameters = trainable.SelectMany(b => b.Parameters).ToArray();
                var penalised = parameters.Where(p => p.dim() > 1).ToArray();
                shuffle.Shuffle(order);
                plan.EnterTraining(network, epoch);
                if (runner != network)
                    runner.train();
                double lossSum = 0;
                long correct = 0;
                double firstRate = 0;
                for (int step = 0; step < steps; step++)
                {
                    if (IsCancelled())
                    {
                        stopReason = TrainingStopReason.Cancelled;
                        break;
                    }
                    double rate = _o.Schedule.Rate(_o.LearningRate, epoch, step, steps, _o.Epochs) * plateauFactor;
                    if (step == 0)
                        firstRate = rate;
                    SetLearningRates(optimizer!, trainable, rate);

                    using var scope = NewDisposeScope();
                    int start = step * batchSize, count = Math.Min(batchSize, n - start);
                    var index = tensor(order.AsSpan(start, count).ToArray()).to(_device);
                    var x = trainImages.index_select(0, index);
                    var y = trainLabels.index_select(0, index);
                    Tensor? targets = null;
                    if (augmentation is not null)
                        using (no_grad())
                        {
                            if (augmentation.MixesLabels)
                                targets = nn.functional.one_hot(y, _classes).to(ScalarType.Float32);
                            (x, targets) = augmentation.Apply(x, targets, augmentationContext!);
                        }
                    var logits = runner.forward(x);
                    var loss = targets is null
                        ? nn.functional.cross_entropy(logits, y, label_smoothing: _o.LabelSmoothing)
                        : SoftTargetCrossEntropy(logits, targets, _o.LabelSmoothing);
                    if (_o.L1Regularization > 0)
                        loss = loss + _o.L1Regularization * penalised.Select(w => w.abs().sum()).Aggregate((a, b) => a + b);
                    double value = loss.item<float>();
                    if (!double.IsFinite(value))
                    {
                        diverged = $"ImageCnn: the training loss became {value} at epoch {epoch + 1}, step {step + 1} (learning rate {rate:G4}). " +
                                   "Likely causes: a learning rate too high for this optimizer, or unnormalised/invalid inputs. " +
                                   $"The model keeps the weights from the end of epoch {epochs.Count} (epoch 0: the initial weights).";
                        stopReason = TrainingStopReason.Diverged;
                        break;
                    }
                    optimizer!.zero_grad();
                    loss.backward();
                    if (_o.GradientClipNorm is double clip)
                        nn.utils.clip_grad_norm_(parameters, clip);
                    optimizer.step();
                    lossSum += value * count;
                    correct += logits.argmax(1).eq(y).sum().item<long>();
                    if (_o.OnProgress is { } progress)
                    {
                        int seen = start + count;
                        progress(new TrainingProgress(epoch + 1, _o.Epochs, step + 1, steps, lossSum / seen, (double)correct / seen));
                    }
                }
                if (stopReason != TrainingStopReason.Completed)
                    break;

                double? validationLoss = null, validationAccuracy = null;
                if (validationImages is not null)
                    (validationLoss, validationAccuracy) = Evaluate(runner, validationImages, validationLabels!);
                var metrics = new EpochMetrics(epoch + 1, lossSum / n, (double)correct / n, validationLoss, validationAccuracy, firstRate, clock.Elapsed.TotalSeconds);
                epochs.Add(metrics);
                _channel.Info(MessageSensitivity.None, $"ImageCnn {metrics}");
                _o.OnEpochEnd?.Invoke(metrics);
                EpochCompleted?.Invoke(epoch + 1, network);
                Replace(ref lastGood, Snapshot(network));
                bestEpoch = epoch + 1;

                if (_o.EarlyStopping is { } early)
                {
                    double monitored = early.Monitor == EarlyStopping.Metric.ValidationLoss ? validationLoss!.Value : -validationAccuracy!.Value;
                    if (double.IsNaN(bestMetric) || monitored < bestMetric - early.MinDelta)
                    {
                        bestMetric = monitored;
                        sinceBest = 0;
                        Replace(ref best, Snapshot(network));
                        bestEpochSeen = epoch + 1;
                    }
                    else if (++sinceBest >= early.Patience)
                    {
                        stopReason = TrainingStopReason.EarlyStopped;
                        _channel.Info(MessageSensitivity.None, $"ImageCnn: early stopping after epoch {epoch + 1}; best epoch {bestEpochSeen}.");
                    }
                }
                if (_o.Schedule.ScheduleKind == LearningRateSchedule.Kind.ReduceOnPlateau)
                {
                    double monitored = validationLoss ?? metrics.TrainLoss;
                    if (monitored < plateauBest - _o.Schedule.MinDelta)
                    {
                        plateauBest = monitored;
                        plateauWait = 0;
                    }
                    else if (++plateauWait >= _o.Schedule.Patience)
                    {
                        plateauFactor *= _o.Schedule.Factor;
                        plateauWait = 0;
                    }
                }
            }

            if (stopReason == TrainingStopReason.Diverged)
            {
                network.load_state_dict(lastGood!);
                bestEpoch = epochs.Count;
            }
            else if (best is not null && _o.EarlyStopping!.RestoreBestWeights)
            {
                network.load_state_dict(best);
                bestEpoch = bestEpochSeen;
            }
            if (stopReason == TrainingStopReason.Cancelled)
                _channel.Warning(MessageSensitivity.None, $"ImageCnn: cancelled after {epochs.Count} complete epochs; keeping the weights of epoch {bestEpoch}.");
        }
        finally
        {
            optimizer?.Dispose();
            trainImages.Dispose();
            trainLabels.Dispose();
            if (lastGood is not null)
                Dispose(lastGood);
            if (best is not null)
                Dispose(best);
        }
        network.eval();
        foreach (var parameter in network.parameters())
            parameter.requires_grad = true;
        return (new TrainingHistory(epochs, stopReason, bestEpoch, train.SkippedRows), diverged);
    }

    private (Tensor Images, Tensor Labels) ReadTensors(CnnTrainingSet set, nn.Module<Tensor, Tensor> network, BodyFeatureCache? cache)
    {
        var (images, labels) = set.ToTensors(_shape, _device);
        if (cache is null)
            return (images, labels);
        using (images)
            return (cache.Features(network, images), labels);
    }

    /// <summary>
    /// Makes the blocks due at <paramref name="epoch"/> trainable and hands their parameters to the optimizer (created
    /// with the first of them), so the optimizer only ever holds parameters that train.
    /// </summary>
    private optim.Optimizer? StartBlocks(TrainingPlan plan, int epoch, List<TrainableBlock> trainable, optim.Optimizer? optimizer)
    {
        bool started = false;
        foreach (var block in plan.Blocks.Where(b => b.TrainsAt(epoch) && b.Parameters.Count > 0 && !trainable.Contains(b)))
        {
            foreach (var parameter in block.Parameters)
                parameter.requires_grad = true;
            if (optimizer is null)
                optimizer = OptimizerFactory.Create(block.Parameters, _o);
            else
                OptimizerFactory.AddGroup(optimizer, block.Parameters);
            trainable.Add(block);
            started = true;
            if (epoch > 0)
                _channel.Info(MessageSensitivity.None, $"ImageCnn: from epoch {epoch + 1}, training {block.Name} too.");
        }
        if (started)
            _channel.Info(MessageSensitivity.None,
                $"ImageCnn: the optimizer holds {optimizer!.parameters().Count()} parameter tensors ({optimizer.parameters().Sum(p => p.numel())} values).");
        return optimizer;
    }

    // The optimizer's parameter groups are in the order the blocks were started.
    private static void SetLearningRates(optim.Optimizer optimizer, List<TrainableBlock> trainable, double rate)
    {
        int i = 0;
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = rate * trainable[i++].RateMultiplier;
    }

    private bool IsCancelled()
    {
        try
        {
            HostServices.ThrowIfCancelled(_host);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    // Cross-entropy against class distributions (mixed labels), with the same label smoothing as the hard-label loss.
    private static Tensor SoftTargetCrossEntropy(Tensor logits, Tensor targets, double smoothing)
    {
        if (smoothing > 0)
            targets = targets * (1 - smoothing) + smoothing / targets.shape[1];
        return -(targets * logits.log_softmax(1)).sum(1).mean();
    }

    private static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> module, Tensor images, Tensor labels)
    {
        module.eval();
        long n = labels.shape[0];
        double lossSum = 0;
        long correct = 0;
        using (no_grad())
            for (long start = 0; start < n; start += EvaluationBatchSize)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(EvaluationBatchSize, n - start);
                var x = images.narrow(0, start, count);
                var y = labels.narrow(0, start, count);
                var logits = module.forward(x);
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
        return (lossSum / n, (double)correct / n);
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module)
        => module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());

    private static void Replace(ref Dictionary<string, Tensor>? target, Dictionary<string, Tensor> value)
    {
        if (target is not null)
            Dispose(target);
        target = value;
    }

    private static void Dispose(Dictionary<string, Tensor> snapshot)
    {
        foreach (var tensor in snapshot.Values)
            tensor.Dispose();
    }
}
