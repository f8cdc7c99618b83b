namespace MLExtensions;

/// <summary>What <see cref="TrainingReport.Write"/> adds to a model's own history, when given.</summary>
public sealed class TrainingReportOptions
{
    /// <summary>The report page's title. Default "Training report".</summary>
    public string Title { get; set; } = "Training report";

    /// <summary>The options the model was trained with, listed in the report. Default null: not listed.</summary>
    public CnnTrainingOptions? TrainingOptions { get; set; }

    /// <summary>
    /// A gradient-health callback of the run: its per-layer gradient norms are plotted and its warnings listed. Default
    /// null: no gradient plots.
    /// </summary>
    public GradientHealthMonitor? Gradients { get; set; }

    /// <summary>A learning-rate finder result to plot. Default null: no plot.</summary>
    public LearningRateFinderResult? LearningRateFinder { get; set; }

    /// <summary>Sanity checks run before training. Default null: not shown.</summary>
    public SanityReport? SanityChecks { get; set; }

    /// <summary>Highest-loss images shown (0: none). Default 24.</summary>
    public int TopLosses { get; set; } = 24;

    /// <summary>The evaluation data's label column (keys, as in training). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";
}
