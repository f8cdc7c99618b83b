using Microsoft.ML;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>Conveniences on <see cref="MLContext"/> itself.</summary>
public static class MLContextExtensions
{
    /// <summary>
    /// Asks every estimator running under this context to stop at its next check (between rows or batches);
    /// they throw <see cref="OperationCanceledException"/>. ML.NET keeps its own method of this name internal.
    /// </summary>
    public static void CancelExecution(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        HostServices.Cancel(mlContext);
    }
}
