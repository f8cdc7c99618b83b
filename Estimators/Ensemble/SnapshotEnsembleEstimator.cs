using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Cnn;
using MLExtensions.Ensemble;
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
    private readonly int _cycleEpochs;
    private readonly int? _lastSnapshots;

    internal SnapshotEnsembleEstimator(IHostEnvironment env, ImageCnnTrainer.Options options, int? lastSnapshots)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Schedule is not CyclicalSchedule cyclical)
            throw new ArgumentException(
                $"Snapshot ensembling keeps the weights at the end of each learning-rate cycle, so the schedule must be LearningRateSchedule.Cyclical, not {options.Schedule?.ToString() ?? "the default (null)"}.",
                nameof(options));
        int cycles = options.Epochs / cyclical.CycleEpochs;
        if (cycles < 2)
            throw new ArgumentException(
                $"{options.Epochs} epochs of {cyclical.CycleEpochs}-epoch cycles give {cycles} snapshot(s); an ensemble needs at least 2.", nameof(options));
        if (lastSnapshots is int last && (last < 2 || last > cycles))
            throw new ArgumentOutOfRangeException(nameof(lastSnapshots), $"lastSnapshots must be between 2 and the {cycles} cycles, got {last}.");
        _env = env;
        _options = options;
        _cycleEpochs = cyclical.CycleEpochs;
        _lastSnapshots = lastSnapshots;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => CnnOutputSchema.Of(inputSchema, _options);

    /// <inheritdoc />
    public AverageEnsembleTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var collector = new SnapshotCollector(_cycleEpochs);
        var options = _options.Copy<ImageCnnTrainer.Options>();
        options.Callbacks.Add(collector);
        var final = new ImageCnnTrainer(_env, options).Fit(input);
        try
        {
            var snapshots = collector.Snapshots;
            if (snapshots.Count < 2)
                throw new InvalidOperationException(
                    $"Training stopped after {final.History.Epochs.Count} epochs ({final.History.StopReason}), leaving {snapshots.Count} snapshot(s); an ensemble needs at least 2.");
            var kept = snapshots.Skip(_lastSnapshots is int last ? snapshots.Count - last : 0).ToArray();
            var members = kept.Select(weights =>
            {
                var network = NetworkFactory.Create(final.Description);
                network.load_state_dict(weights.Dictionary);
                network.to(final.Device);
                network.eval();
                return (ITransformer)new ImageCnnTransformer(final.Description, network, final.Device, final.Labels, final.FeatureColumnName,
                    final.ScoreColumnName, final.PredictedLabelColumnName, final.History, final.InferenceBatchSize, final.TestTimeAugmentation);
            }).ToArray();
            using var channel = _env.Register(nameof(SnapshotEnsembleEstimator)).Start(nameof(Fit));
            channel.Info(MessageSensitivity.None, $"SnapshotEnsemble: {members.Length} members from the ends of epochs " +
                                                  string.Join(", ", kept.Select(k => k.Epoch)) + ".");
            return new AverageEnsembleTransformer(members, EnsembleCombination.Mean, null, _options.ScoreColumnName, _options.PredictedLabelColumnName);
        }
        finally
        {
            collector.Release();
        }
    }
}
