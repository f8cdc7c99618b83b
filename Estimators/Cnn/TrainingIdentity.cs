namespace MLExtensions.Cnn;

/// <summary>
/// What a checkpoint must share with the run that resumes it: the network, the classes, the image shape, the
/// optimizer and its parameter groups, the data's size and batching, the seed, augmentation and weight averaging.
/// Anything else (epochs, rates, regularization, stateless callbacks) may change between the two runs.
/// </summary>
internal sealed class TrainingIdentity
{
    private readonly (string Name, string Value)[] _entries;

    private TrainingIdentity((string, string)[] entries) => _entries = entries;

    /// <param name="trainer">"ImageCnn" or "FineTuneImageCnn".</param>
    internal static TrainingIdentity Of(string trainer, NetworkDescription network, IReadOnlyList<string> classes, CnnTrainingOptions options,
        TrainingPlan plan, CnnTrainingData data, int seed) => new(
    [
        ("trainer", trainer),
        ("architecture", network.Architecture + (network.CustomName is { } custom ? $" '{custom}'" : "")),
        ("layers", $"widths [{string.Join(", ", network.Widths)}], blocks [{string.Join(", ", network.Blocks)}], hidden units {network.HiddenUnits}"),
        // Recorded only where they apply, so checkpoints of the other networks written before they were recorded still resume.
        .. (network.TorchVisionModel is { } model ? [("torchvision network", $"{model}, width {network.WidthMultiplier:R}")] : Array.Empty<(string, string)>()),
        .. (network.InnerWidths.Count > 0 ? [("inner widths", $"[{string.Join(", ", network.InnerWidths)}]")] : Array.Empty<(string, string)>()),
        .. (network.FamilyName is { } family ? [("family", $"{family} {network.FamilyConfig?.ToString() ?? "(defaults)"}")] : Array.Empty<(string, string)>()),
        .. (network.StochasticDepth is { } depth ? [("stochastic depth", depth.ToString("R"))] : Array.Empty<(string, string)>()),
        ("activation and normalization", $"{network.Activation}, {network.Normalization} ({network.NormalizationGroups} groups)"),
        ("dropout", network.Dropout.ToString("R")),
        ("image shape", network.InputShape.ToString()),
        ("classes", $"{classes.Count}: {string.Join(", ", classes)}"),
        ("optimizer", options.Optimizer.ToString()),
        ("parameter groups", string.Join("; ", plan.Blocks.Select(b => $"{b.Name} ({b.Parameters.Count} tensors) from epoch {(b.FromEpoch == TrainableBlock.Never ? "never" : b.FromEpoch + 1)} ×{b.RateMultiplier:R}"))),
        ("training images", data.Count.ToString()),
        ("validation images", data.Validation?.Count.ToString() ?? "none"),
        ("batch size", data.BatchSize.ToString()),
        ("seed", seed.ToString()),
        ("augmentation", options.Augmentation is { } a ? $"{string.Join(", ", a.Operations.Select(o => o.GetType().Name))} (seed {a.Seed?.ToString() ?? "from the trainer's"})" : "none"),
        ("weight averaging", options.WeightAveraging?.ToString() ?? "none"),
        ("cached body features", plan.Cache is null ? "no" : "yes"),
        // Recorded only when on, so checkpoints written before the option existed still resume.
        .. (options.MixedPrecision ? [("precision", "bfloat16 forward and backward, float32 weights")] : Array.Empty<(string, string)>()),
    ]);

    internal void WriteTo(CheckpointState checkpoint)
    {
        foreach (var (name, value) in _entries)
            checkpoint.Set(name, value);
    }

    /// <summary>Each setting that differs, as "name: 'saved' in the checkpoint, 'now' now".</summary>
    internal IReadOnlyList<string> DifferencesFrom(CheckpointState saved)
        => _entries.Where(e => !saved.Contains(e.Name) || saved.GetString(e.Name) != e.Value)
            .Select(e => $"{e.Name}: {(saved.Contains(e.Name) ? $"'{saved.GetString(e.Name)}'" : "(not recorded)")} in the checkpoint, '{e.Value}' now")
            .ToArray();
}
