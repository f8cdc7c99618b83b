namespace MLExtensions;

/// <summary>
/// The thresholds <see cref="CurveDiagnostics"/> applies; accuracies and gaps are fractions (0.05 = 5 points).
/// </summary>
public sealed class CurveDiagnosticsOptions
{
    /// <summary>Overfitting: the final training/validation accuracy gap is at least this (default 0.05)…</summary>
    public double OverfittingGap { get; set; } = 0.05;

    /// <summary>
    /// …and has grown by at least this since a third of the run (or the validation loss rises). Default 0.02.
    /// </summary>
    public double GapGrowth { get; set; } = 0.02;

    /// <summary>Underfitting: final training accuracy below this with no large gap. Default 0.9.</summary>
    public double UnderfittingAccuracy { get; set; } = 0.9;

    /// <summary>Not learning / underfitting: accuracy within this of chance counts as chance. Default 0.05.</summary>
    public double ChanceMargin { get; set; } = 0.05;

    /// <summary>A loss that falls less than this fraction counts as flat. Default 0.02.</summary>
    public double FlatLossFraction { get; set; } = 0.02;

    /// <summary>Slow start: at least this many flat epochs first (default 2)…</summary>
    public int SlowStartEpochs { get; set; } = 2;

    /// <summary>…then a fall of at least this fraction. Default 0.2.</summary>
    public double SlowStartLaterDrop { get; set; } = 0.2;

    /// <summary>A loss this many times its lowest value counts as rising. Default 1.1.</summary>
    public double RisingLossFactor { get; set; } = 1.1;

    /// <summary>Plateau: over this many final epochs at a constant learning rate (default 3)…</summary>
    public int PlateauEpochs { get; set; } = 3;

    /// <summary>…the training loss fell less than this fraction. Default 0.01.</summary>
    public double PlateauFraction { get; set; } = 0.01;

    /// <summary>No plateau is reported once training accuracy reaches this. Default 0.995.</summary>
    public double SaturatedAccuracy { get; set; } = 0.995;

    /// <summary>
    /// Noisy validation: validation accuracy moves at least this much per epoch on average (default 0.02)…
    /// </summary>
    public double NoisyValidationJump { get; set; } = 0.02;

    /// <summary>…and this many times as much as training accuracy. Default 3.</summary>
    public double NoisyValidationRatio { get; set; } = 3;
}
