namespace MLExtensions;

/// <summary>
/// How <see cref="HyperparameterSearch"/> searches: random configurations in <see cref="Ranges"/> (the training
/// checklist's coarse-to-fine random search in log space), trained by successive halving — every configuration for
/// <see cref="MinEpochs"/>, the best 1/<see cref="ReductionFactor"/> again for ×<see cref="ReductionFactor"/> the
/// epochs, and so on for <see cref="Rungs"/> rungs — then a finer stage around the best. The options as given (the
/// baseline) are trained at the final budget too, so the search never returns something that validated worse.
/// </summary>
public sealed class HyperparameterSearchOptions
{
    /// <summary>
    /// The ranges searched; every other option comes from the base options. Default: LearningRate log-uniform in [1e-4,
    /// 1e-2] and WeightDecay in [1e-6, 1e-2].
    /// </summary>
    public IList<SearchRange> Ranges { get; set; } = [SearchRange.Log("LearningRate", 1e-4, 1e-2), SearchRange.Log("WeightDecay", 1e-6, 1e-2)];

    /// <summary>Configurations in the coarse stage's first rung. Default 9.</summary>
    public int Trials { get; set; } = 9;

    /// <summary>
    /// Configurations in the fine stage's first rung, sampled around the coarse stage's best (0: no fine stage).
    /// Default 3.
    /// </summary>
    public int RefineTrials { get; set; } = 3;

    /// <summary>Epochs of the first rung, ≥ 1. Default 1.</summary>
    public int MinEpochs { get; set; } = 1;

    /// <summary>
    /// Successive halving's η, ≥ 2: each rung keeps the best 1/η of the configurations and trains them η times longer.
    /// Default 3.
    /// </summary>
    public int ReductionFactor { get; set; } = 3;

    /// <summary>Rungs per stage, ≥ 1: the final rung trains MinEpochs·η^(Rungs−1) epochs. Default 3.</summary>
    public int Rungs { get; set; } = 3;

    /// <summary>Rows of the training data the trials use (a random subset; all when null).</summary>
    public int? MaxRows { get; set; }

    /// <summary>
    /// Held out of the training rows for validation when the base options name no validation set. The same rows for
    /// every trial (the split is seeded with the base options' seed, or 1).
    /// In (0, 1); default 0.2.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>
    /// A JSON-lines file of finished trials: a search run again with it skips them (resume, or trials spread over
    /// machines). Default null: no log.
    /// </summary>
    public string? TrialLogPath { get; set; }

    /// <summary>Seed of the configurations sampled. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Called after every trial, e.g. to print it. Default null.</summary>
    public Action<SearchTrial>? OnTrial { get; set; }
}
