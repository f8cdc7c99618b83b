using Microsoft.ML.Runtime;

namespace MLExtensions.MLNetInternals;

/// <summary>ML.NET host services that ML.NET keeps internal: cancelling an MLContext's running work.</summary>
internal static class HostServices
{
    /// <summary>Asks every component running under <paramref name="env"/> to stop (what MLContext.CancelExecution does).</summary>
    internal static void Cancel(IHostEnvironment env)
    {
        switch (env)
        {
            case Microsoft.ML.MLContext mlContext:
                mlContext.CancelExecution();
                break;
            case ICancelable cancelable:
                cancelable.CancelExecution();
                break;
            default:
                throw new ArgumentException($"{env.GetType().Name} does not support cancellation.", nameof(env));
        }
    }

    /// <summary>
    /// Throws <see cref="OperationCanceledException"/> once the MLContext has been asked to cancel. Pass a catalog's
    /// environment or a host registered from it: the MLContext object itself does not report cancellation.
    /// </summary>
    internal static void ThrowIfCancelled(IHostEnvironment env) => Contracts.CheckAlive(env);
}
