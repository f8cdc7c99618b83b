namespace MLExtensions;

/// <summary>Sizes and thresholds of <c>TrainingDiagnostics.SanityCheck</c>.</summary>
public sealed class SanityCheckOptions
{
    /// <summary>Rows the initial loss is measured on (one batch). Default 256.</summary>
    public int InitialLossRows { get; set; } = 256;

    /// <summary>The initial loss may differ from ln C by this fraction of ln C. Default 0.25.</summary>
    public double InitialLossTolerance { get; set; } = 0.25;

    /// <summary>The L1 penalty that must raise the initial loss. Default 1e-3.</summary>
    public double L1ForCheck { get; set; } = 1e-3;

    /// <summary>Images the network must fit to 100 % training accuracy (default 20)…</summary>
    public int OverfitImages { get; set; } = 20;

    /// <summary>…within this many optimizer steps (one batch of all of them per step). Default 300.</summary>
    public int OverfitMaxSteps { get; set; } = 300;

    /// <summary>
    /// Images of the short training whose held-out fifth must be predicted above chance (default 600)…
    /// </summary>
    public int LearnabilityImages { get; set; } = 600;

    /// <summary>…after this many epochs (default 4)…</summary>
    public int LearnabilityEpochs { get; set; } = 4;

    /// <summary>
    /// …by at least this margin over chance (or three standard errors of chance accuracy, when larger). Default 0.1.
    /// </summary>
    public double LearnabilityMargin { get; set; } = 0.1;

    /// <summary>Seed of the row sampling and the runs. Default 1.</summary>
    public int Seed { get; set; } = 1;
}
