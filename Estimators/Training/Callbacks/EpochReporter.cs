namespace MLExtensions.Training;

/// <summary>Logs every epoch's metrics and calls <c>Options.OnEpochEnd</c> with them.</summary>
internal sealed class EpochReporter(Action<EpochMetrics>? report) : TrainingCallback
{
    public override int Order => CallbackOrder.Reporting;

    public override void OnEpochEnd(TrainingState state)
    {
        var metrics = state.Metrics!;
        state.LogMetrics(metrics);
        report?.Invoke(metrics);
    }
}
