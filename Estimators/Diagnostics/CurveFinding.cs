namespace MLExtensions;

/// <summary>What a run's learning curves show (training checklist §9).</summary>
public enum CurveFinding
{
    /// <summary>None of the problems below.</summary>
    Healthy,
    /// <summary>The training/validation gap is large and growing.</summary>
    Overfitting,
    /// <summary>Little or no gap, but low accuracy.</summary>
    Underfitting,
    /// <summary>The training loss stays flat near its start, at chance accuracy.</summary>
    NotLearning,
    /// <summary>The loss barely moves for the first epochs, then falls.</summary>
    SlowStart,
    /// <summary>The loss became NaN/infinite, or rises.</summary>
    Diverging,
    /// <summary>The loss has stopped falling at a constant learning rate.</summary>
    Plateau,
    /// <summary>Validation accuracy jumps from epoch to epoch far more than training accuracy.</summary>
    NoisyValidation,
}

/// <summary>One finding about a run, what to do about it, and the numbers it rests on.</summary>
public sealed record CurveDiagnosis(CurveFinding Finding, string Recommendation, string Evidence)
{
    /// <inheritdoc />
    public override string ToString() => $"{Finding}: {Recommendation} ({Evidence})";
}
