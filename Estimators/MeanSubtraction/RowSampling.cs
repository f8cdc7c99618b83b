namespace MLExtensions;

/// <summary>Which rows an estimator computes its statistics from when it is limited to a number of rows.</summary>
public enum RowSampling
{
    /// <summary>The first rows, in data order.</summary>
    First,
    /// <summary>A uniformly random subset of rows, drawn with the estimator's seed.</summary>
    Random,
}
