using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Snapshot ensembling: one <c>ImageCnn</c> training run with a <see cref="LearningRateSchedule.Cyclical"/> schedule,
/// whose weights are kept at the end of every cycle (where the rate is lowest) and averaged as an
/// <see cref="AverageEnsembleTransformer"/>. The members cost one training run instead of one run each.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.SnapshotEnsemble(...)</c>.
/// </summary>
public sealed class SnapshotEnsembleEstimator : IEstimator<AverageEnsembleTransformer>
{
    private readonly IHostEnvironment _env;
    private readonly ImageCnnTrainer.Options _options;
    private readonly int? _lastSnapshots;

    internal SnapshotEnsembleEstimator(IHostEnvironment env, ImageCnnTrainer.Options options, int? lastSnapshots)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Schedule.ScheduleKind != LearningRateSchedule.Kind.Cyclical)
            throw new ArgumentException(
                $"Snapshot ensembling keeps the weights at the end of each learning-rate cycle, so the schedule must be LearningRateSchedule.Cyclical, not {options.Schedule.ScheduleKind}.",
                nameof(options));
        int cycles = options.Epochs / options.Schedule.CycleEpochs;
        if (cycles < 2)
            throw new ArgumentException(
                $"{options.Epochs} epochs of {options.Schedule.CycleEpochs}-epoch cycles give {cycles} snapshot(s); an ensemble needs at least 2.", nameof(options));
        if (lastSnapshots is int last && (last < 2 || last > cycles))
            throw new ArgumentOutOfRangeException(nameof(lastSnapshots), $"lastSnapshots must be between 2 and the {cycles} cycles, got {last}.");
        _env = env;
        _options = options;
        _lastSnapshots = lastSnapshots;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => CnnOutputSchema.Of(inputSchema, _options);

    public AverageEnsembleTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int cycle = _options.Schedule.CycleEpochs;
        var snapshots = new List<Dictionary<string, Tensor>>();
        var trainer = new ImageCnnTrainer(_env, _options)
        {
            EpochCompleted = (epoch, network) =>
            {
                if (epoch % cycle == 0)
                    snapshots.Add(network.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().clone().DetachFromDisposeScope()));
            },
        };
        var final = trainer.Fit(input);
        try
        {
            if (snapshots.Count < 2)
                throw new InvalidOperationException(
                    $"Training stopped after {final.History.Epochs.Count} epochs ({final.History.StopReason}), leaving {snapshots.Count} snapshot(s); an ensemble needs at least 2.");
            var kept = snapshots.Skip(_lastSnapshots is int last ? snapshots.Count - last : 0).ToArray();
            var members = kept.Select(weights =>
            {
                var network = NetworkFactory.Create(final.Description);
                network.load_state_dict(weights);
                network.to(final.Device);
                network.eval();
                return (ITransformer)new ImageCnnTransformer(final.Description, network, final.Device, final.Labels, final.FeatureColumnName,
                    final.ScoreColumnName, final.PredictedLabelColumnName, final.History, final.InferenceBatchSize, final.TestTimeAugmentation);
            }).ToArray();
            using var channel = _env.Register(nameof(SnapshotEnsembleEstimator)).Start(nameof(Fit));
            channel.Info(MessageSensitivity.None, $"SnapshotEnsemble: {members.Length} members from the ends of epochs " +
                                                  string.Join(", ", Enumerable.Range(snapshots.Count - members.Length + 1, members.Length).Select(k => k * cycle)) + ".");
            return new AverageEnsembleTransformer(members, EnsembleCombination.Mean, null, _options.ScoreColumnName, _options.PredictedLabelColumnName);
        }
        finally
        {
            foreach (var tensor in snapshots.SelectMany(s => s.Values))
                tensor.Dispose();
        }
    }
}
