using Microsoft.ML.Runtime;
using MLExtensions.MLNetInternals;

namespace MLExtensions.Training;

/// <summary>Stops training between batches once the MLContext has been asked to cancel (<c>mlContext.CancelExecution()</c>).</summary>
internal sealed class CancellationWatch(IHost host) : TrainingCallback
{
    public override int Order => CallbackOrder.Cancellation;

    public override void OnBatchBegin(TrainingState state)
    {
        try
        {
            HostServices.ThrowIfCancelled(host);
        }
        catch (OperationCanceledException)
        {
            state.RequestStop(TrainingStopReason.Cancelled,
                $"cancelled at epoch {state.Epoch + 1}, step {state.Step + 1}, after {state.History.Count} complete epochs.");
        }
    }
}
