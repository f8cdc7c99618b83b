namespace MLExtensions;

/// <summary>
/// One-cycle policy: cosine rise from a0/25 to a0 over the first 30 % of training, then cosine decay to a0/(25·10⁴).
/// </summary>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    private const double Rise = 0.3, Start = 1 / 25.0, End = Start / 1e4;

    internal OneCycleSchedule() { }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position)
    {
        double progress = position.Progress / position.Length;
        return progress < Rise ? Anneal(Start, 1, progress / Rise) : Anneal(1, End, (progress - Rise) / (1 - Rise));
    }

    private static double Anneal(double from, double to, double fraction) => to + (from - to) * (1 + Math.Cos(Math.PI * fraction)) / 2;
}
