namespace MLExtensions;

/// <summary>How an ensemble combines its members' class probabilities.</summary>
public enum EnsembleCombination
{
    /// <summary>The arithmetic mean of the probability vectors.</summary>
    Mean,
    /// <summary>Σ wᵢ·pᵢ / Σ wᵢ with one weight per member.</summary>
    WeightedMean,
    /// <summary>The geometric mean (exp of the mean log probability), renormalised to sum to 1.</summary>
    GeometricMean,
}
