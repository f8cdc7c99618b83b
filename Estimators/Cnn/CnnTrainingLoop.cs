using System.Diagnostics;
using Microsoft.ML.Runtime;
using MLExtensions.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>What a CNN trainer trains: its name, the network's description and the class names.</summary>
internal sealed record CnnTrainingRun(string Trainer, NetworkDescription Description, IReadOnlyList<string> Classes);

/// <summary>
/// The epoch/step loop of the CNN trainers: it draws batches, runs the forward pass, the objective, the backward
/// pass and the optimizer step, validates, and fires the training events around each of these. Everything else
/// (schedule, penalties, clipping, early stopping, averaging, checkpoints…) is a <see cref="TrainingCallback"/>.
/// Every step runs inside a dispose scope so native memory stays flat across epochs.
/// </summary>
internal sealed class CnnTrainingLoop(CnnTrainingOptions options, CnnTrainingRun run, Device device, int seed, IHost host, IChannel channel)
{
    private const int EvaluationBatchSize = 512;

    private TrainingState _state = null!;
    private CnnTrainingData _data = null!;
    private CallbackList _callbacks = null!;
    private nn.Module<Tensor, Tensor> _runner = null!;
    private TrainingObjective _objective = null!;
    private MixedPrecisionForward? _mixedPrecision;

    /// <summary>Trains <paramref name="network"/> (already on the training device) in place, as <paramref name="plan"/> says.</summary>
    /// <param name="resume">A checkpoint to continue from, or null to start at the first epoch.</param>
    internal TrainingHistory Run(nn.Module<Tensor, Tensor> network, TrainingPlan plan, CnnTrainingInputs inputs, Checkpoint? resume)
    {
        random.manual_seed(seed);
        using var data = _data = new CnnTrainingData(options, inputs, network, plan.Cache, run.Description.ClassCount, device, seed, channel);
        _state = new TrainingState(run.Trainer, network, device, options.Epochs, data.StepsPerEpoch, data.Count, data.Validation is not null, channel)
        {
            TrainingInputs = data.SeesImages ? data.InputsInOrder : null,
            TrainingLabels = () => data.LabelsInOrder,
            ValidationInputs = data.SeesImages && data.Validation is { } validation ? () => validation.InOrder(data.BatchSize) : null,
            ValidationLabels = data.Validation?.Labels,
            ClassNames = run.Classes,
            Reads = HostReads.For(device, options.HostReadInterval),
        };
        var checkpoints = new CnnCheckpoints(TrainingIdentity.Of(run.Trainer, run.Description, run.Classes, options, plan, data, seed), _state, data);
        _callbacks = checkpoints.Callbacks = new CallbackList(CnnTrainingCallbacks.For(options, plan, host,
            options.CheckpointDirectory is { } directory ? new Checkpointing(directory, checkpoints, resume is not null) : null));
        _runner = plan.Cache?.Head ?? network;
        _objective = options.Objective ?? TrainingObjective.CrossEntropy(options.LabelSmoothing);
        using var mixedPrecision = _mixedPrecision = MixedPrecision(plan);
        try
        {
            Fit(checkpoints, resume);
        }
        finally
        {
            _state.OptimizerOrNull?.Dispose();
            _state.ReleaseSums();
        }
        network.eval();
        ReportEnd();
        return _state.ToHistory(data.SkippedRows);
    }

    private void Fit(CnnCheckpoints checkpoints, Checkpoint? resume)
    {
        _callbacks.FitBegin(_state);
        if (resume is not null)
            checkpoints.Restore(resume);
        while (_state.Epoch < options.Epochs && !_state.StopRequested)
            RunEpoch();
        _callbacks.FitEnd(_state);
    }

    private void RunEpoch()
    {
        var clock = Stopwatch.StartNew();
        if (!BeginEpochData())
            return;
        ReseedCuda();
        _state.BeginEpoch();
        _runner.train();
        _callbacks.EpochBegin(_state);
        for (int step = 0; step < _data.StepsPerEpoch && !_state.StopRequested; step++)
            RunBatch(step);
        if (_state.StopRequested && _state.ImagesSeen < _data.Count)
            return;
        Validate(clock);
        _state.RecordEpoch();
        _callbacks.EpochEnd(_state);
        _state.Epoch++;
    }

    // Reading augmented data again checks for cancellation itself; a cancel there ends training like one between batches.
    private bool BeginEpochData()
    {
        try
        {
            _data.BeginEpoch(_state.Epoch);
            return true;
        }
        catch (OperationCanceledException)
        {
            _state.RequestStop(TrainingStopReason.Cancelled, $"cancelled before epoch {_state.Epoch + 1}, after {_state.History.Count} complete epochs.");
            return false;
        }
    }

    private void RunBatch(int step)
    {
        using var scope = NewDisposeScope();
        _state.BeginBatch(step);
        _callbacks.BatchBegin(_state);
        if (_state.StopRequested)
            return;
        _state.ApplyLearningRate();
        _state.Batch = _data.Batch(step);
        _state.Logits = _mixedPrecision?.Forward(_state.Batch.Inputs) ?? _runner.forward(_state.Batch.Inputs);
        _state.Loss = _objective.Loss(_state.Logits, _state.Batch);
        _callbacks.Loss(_state);
        if (!_state.StopRequested)
            Optimize();
        _state.EndBatch();
    }

    private void Optimize()
    {
        var optimizer = _state.Optimizer;
        optimizer.zero_grad();
        _state.Loss!.backward();
        _mixedPrecision?.TakeGradients();
        _callbacks.Backward(_state);
        optimizer.step();
        _state.GlobalStep++;
        _callbacks.Step(_state);
        _state.RecordBatch();
        _callbacks.BatchEnd(_state);
    }

    // A linear probe on cached body features is one small matrix product: nothing to gain.
    private MixedPrecisionForward? MixedPrecision(TrainingPlan plan)
    {
        if (!options.MixedPrecision || plan.Cache is not null)
            return null;
        var shadow = NetworkFactory.Create(run.Description);
        shadow.to(device);
        return new MixedPrecisionForward(_runner, shadow);
    }

    private void Validate(Stopwatch clock)
    {
        _callbacks.ValidationBegin(_state);
        (double Loss, double Accuracy)? validation = _data.Validation is { } rows ? Evaluate(rows) : null;
        _state.CompleteEpoch(validation?.Loss, validation?.Accuracy, clock.Elapsed.TotalSeconds);
        _callbacks.ValidationEnd(_state);
    }

    // Sums on the device, read once: a read per batch would make the host wait for the GPU every batch.
    private (double Loss, double Accuracy) Evaluate(SetBatches validation)
    {
        _runner.eval();
        long start = 0;
        using var lossSum = zeros(1, ScalarType.Float64, device);
        using var correct = zeros(1, ScalarType.Int64, device);
        using (no_grad())
            foreach (var inputs in validation.InOrder(EvaluationBatchSize))
                using (inputs)
                {
                    using var scope = NewDisposeScope();
                    var logits = _runner.forward(inputs);
                    var y = validation.Labels.narrow(0, start, inputs.shape[0]);
                    lossSum.add_(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64));
                    correct.add_(logits.argmax(1).eq(y).sum());
                    start += inputs.shape[0];
                }
        return (lossSum.item<double>() / start, (double)correct.item<long>() / start);
    }

    // CUDA's generator (dropout on the GPU) cannot be saved in a checkpoint, so each epoch seeds it from the run's
    // seed and the epoch: a resumed run draws what the interrupted one would have. The CPU generator is saved instead.
    private void ReseedCuda()
    {
        if (device.type == DeviceType.CUDA)
            cuda.manual_seed(unchecked(seed * 1_000_003L + _state.Epoch));
    }

    private void ReportEnd()
    {
        switch (_state.StopReason)
        {
            case TrainingStopReason.Cancelled:
                _state.Warn($"cancelled after {_state.History.Count} complete epochs; keeping " + (_state.WeightsRestored || _state.ImagesSeen == 0
                    ? $"the weights of epoch {_state.WeightsEpoch}."
                    : $"the weights after {_state.ImagesSeen} images of epoch {_state.Epoch + 1}."));
                break;
            case TrainingStopReason.Requested:
                _state.Log($"stopped at epoch {_state.Epoch + 1}, step {_state.Step + 1}: {_state.StopMessage}");
                break;
        }
    }
}
