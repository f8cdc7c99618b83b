namespace MLExtensions;

/// <summary>Where training is, as a <see cref="LearningRateSchedule"/> sees it.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Step">0-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in every epoch.</param>
/// <param name="TotalEpochs">Epochs the run is asked for.</param>
public readonly record struct SchedulePosition(int Epoch, int Step, int StepsPerEpoch, int TotalEpochs)
{
    /// <summary>Epochs done so far, fractional: t = epoch + step / steps per epoch.</summary>
    public double Progress => Epoch + (double)Step / StepsPerEpoch;

    /// <summary>The run's length T in epochs (at least 1).</summary>
    public double Length => Math.Max(1, TotalEpochs);
}
