namespace MLExtensions;

/// <summary>What <see cref="TrainingReport.Write"/> adds to a model's own history, when given.</summary>
public sealed class TrainingReportOptions
{
    public string Title { get; set; } = "Training report";

    /// <summary>The options the model was trained with, listed in the report.</summary>
    public CnnTrainingOptions? TrainingOptions { get; set; }

    /// <summary>A gradient-health callback of the run: its per-layer gradient norms are plotted and its warnings listed.</summary>
    public GradientHealthMonitor? Gradients { get; set; }

    /// <summary>A learning-rate finder result to plot.</summary>
    public LearningRateFinderResult? LearningRateFinder { get; set; }

    /// <summary>Sanity checks run before training.</summary>
    public SanityReport? SanityChecks { get; set; }

    /// <summary>Highest-loss images shown (0: none).</summary>
    public int TopLosses { get; set; } = 24;

    /// <summary>The evaluation data's label column (keys, as in training).</summary>
    public string LabelColumnName { get; set; } = "Label";
}
