using Microsoft.ML.Runtime;
using MLExtensions.MLNetInternals;

namespace MLExtensions.Training;

/// <summary>
/// Stops training between batches once the MLContext has been asked to cancel (<c>mlContext.CancelExecution()</c>)
/// or the Fit's own <c>CancellationToken</c> is cancelled.
/// </summary>
internal sealed class CancellationWatch(IHost host, CancellationToken token) : TrainingCallback
{
    public override int Order => CallbackOrder.Cancellation;

    public override void OnBatchBegin(TrainingState state)
    {
        if (IsCancelled(host, token))
            state.RequestStop(TrainingStopReason.Cancelled,
                $"cancelled at epoch {state.Epoch + 1}, step {state.Step + 1}, after {state.History.Count} complete epochs.");
    }

    /// <summary>Whether the MLContext or the token has been cancelled.</summary>
    private static bool IsCancelled(IHost host, CancellationToken token)
    {
        if (token.IsCancellationRequested)
            return true;
        try
        {
            HostServices.ThrowIfCancelled(host);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
