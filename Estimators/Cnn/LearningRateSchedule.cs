namespace MLExtensions;

/// <summary>
/// How the learning rate changes during training, as a multiple of <c>Options.LearningRate</c>, optionally after
/// a linear warmup. Epoch-wise schedules (step, multi-step, exponential, 1/t) change at epoch boundaries; the
/// others change every step, as functions of the fractional epoch t.
/// </summary>
public sealed class LearningRateSchedule
{
    public enum Kind { Constant, Step, MultiStep, Exponential, InverseTime, Linear, Cosine, Cyclical, OneCycle, ReduceOnPlateau }

    private LearningRateSchedule(Kind kind, int warmupEpochs)
    {
        if (warmupEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupEpochs), "Warmup epochs cannot be negative.");
        ScheduleKind = kind;
        WarmupEpochs = warmupEpochs;
    }

    public Kind ScheduleKind { get; }

    /// <summary>Epochs over which the rate ramps linearly from (almost) zero to the scheduled rate.</summary>
    public int WarmupEpochs { get; }

    public double Gamma { get; private init; } = 1;
    public int StepEpochs { get; private init; } = 1;
    public IReadOnlyList<int> Milestones { get; private init; } = [];
    public double Decay { get; private init; }
    public double MinimumFraction { get; private init; }
    public int CycleEpochs { get; private init; } = 1;
    public int Patience { get; private init; }
    public double Factor { get; private init; } = 1;
    public double MinDelta { get; private init; }

    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant(int warmupEpochs = 0) => new(Kind.Constant, warmupEpochs);

    /// <summary>Multiply by <paramref name="gamma"/> every <paramref name="stepEpochs"/> epochs: a0·γ^⌊e/s⌋.</summary>
    public static LearningRateSchedule Step(int stepEpochs, double gamma = 0.1, int warmupEpochs = 0)
        => new(Kind.Step, warmupEpochs) { StepEpochs = Positive(stepEpochs, nameof(stepEpochs)), Gamma = gamma };

    /// <summary>Multiply by <paramref name="gamma"/> at each milestone epoch (0-based epoch index).</summary>
    public static LearningRateSchedule MultiStep(IEnumerable<int> milestones, double gamma = 0.1, int warmupEpochs = 0)
        => new(Kind.MultiStep, warmupEpochs) { Milestones = milestones.OrderBy(m => m).ToArray(), Gamma = gamma };

    /// <summary>a0·e^(−k·e) with <paramref name="decay"/> = k, per epoch e.</summary>
    public static LearningRateSchedule Exponential(double decay, int warmupEpochs = 0)
        => new(Kind.Exponential, warmupEpochs) { Decay = decay };

    /// <summary>a0 / (1 + k·e) with <paramref name="decay"/> = k, per epoch e.</summary>
    public static LearningRateSchedule InverseTime(double decay, int warmupEpochs = 0)
        => new(Kind.InverseTime, warmupEpochs) { Decay = decay };

    /// <summary>Linearly from a0 to a0·<paramref name="finalFraction"/> over the whole run.</summary>
    public static LearningRateSchedule Linear(double finalFraction = 0, int warmupEpochs = 0)
        => new(Kind.Linear, warmupEpochs) { MinimumFraction = finalFraction };

    /// <summary>Cosine annealing: a_min + (a0 − a_min)(1 + cos(π t/T))/2, with a_min = a0·<paramref name="minimumFraction"/>.</summary>
    public static LearningRateSchedule Cosine(double minimumFraction = 0, int warmupEpochs = 0)
        => new(Kind.Cosine, warmupEpochs) { MinimumFraction = minimumFraction };

    /// <summary>Triangular cycles between a0·<paramref name="minimumFraction"/> and a0, each <paramref name="cycleEpochs"/> long (low at the start and end of each cycle).</summary>
    public static LearningRateSchedule Cyclical(int cycleEpochs, double minimumFraction = 0.1, int warmupEpochs = 0)
        => new(Kind.Cyclical, warmupEpochs) { CycleEpochs = Positive(cycleEpochs, nameof(cycleEpochs)), MinimumFraction = minimumFraction };

    /// <summary>
    /// One-cycle policy: cosine rise from a0/25 to a0 over the first 30% of training, then cosine decay to a0/(25·10⁴).
    /// </summary>
    public static LearningRateSchedule OneCycle() => new(Kind.OneCycle, 0);

    /// <summary>
    /// Multiply by <paramref name="factor"/> when the validation loss (the training loss without validation data) has not
    /// improved by more than <paramref name="minDelta"/> for <paramref name="patience"/> epochs.
    /// </summary>
    public static LearningRateSchedule ReduceOnPlateau(int patience = 2, double factor = 0.5, double minDelta = 0, int warmupEpochs = 0)
        => new(Kind.ReduceOnPlateau, warmupEpochs)
        {
            Patience = Positive(patience, nameof(patience)),
            Factor = factor is > 0 and < 1 ? factor : throw new ArgumentOutOfRangeException(nameof(factor), "The factor must be in (0, 1)."),
            MinDelta = minDelta,
        };

    private static int Positive(int value, string name)
        => value > 0 ? value : throw new ArgumentOutOfRangeException(name, $"{name} must be positive, got {value}.");

    /// <summary>
    /// The rate at step <paramref name="step"/> of <paramref name="stepsPerEpoch"/> in 0-based epoch <paramref name="epoch"/>
    /// of <paramref name="totalEpochs"/> (before any reduce-on-plateau factor).
    /// </summary>
    public double Rate(double baseRate, int epoch, int step, int stepsPerEpoch, int totalEpochs)
    {
        double t = epoch + (double)step / stepsPerEpoch;
        double total = Math.Max(1, totalEpochs);
        double multiple = ScheduleKind switch
        {
            Kind.Constant or Kind.ReduceOnPlateau => 1,
            Kind.Step => Math.Pow(Gamma, epoch / StepEpochs),
            Kind.MultiStep => Math.Pow(Gamma, Milestones.Count(m => m <= epoch)),
            Kind.Exponential => Math.Exp(-Decay * epoch),
            Kind.InverseTime => 1 / (1 + Decay * epoch),
            Kind.Linear => 1 - (1 - MinimumFraction) * t / total,
            Kind.Cosine => MinimumFraction + (1 - MinimumFraction) * (1 + Math.Cos(Math.PI * t / total)) / 2,
            Kind.Cyclical => MinimumFraction + (1 - MinimumFraction) * (1 - Math.Abs(2 * (t % CycleEpochs) / CycleEpochs - 1)),
            Kind.OneCycle => OneCycleMultiple(t / total),
            _ => throw new InvalidOperationException($"Unknown schedule {ScheduleKind}."),
        };
        double warmup = WarmupEpochs > 0 ? Math.Min(1, (t + 1.0 / stepsPerEpoch) / WarmupEpochs) : 1;
        return baseRate * multiple * warmup;
    }

    private static double OneCycleMultiple(double progress)
    {
        const double rise = 0.3, start = 1 / 25.0, end = start / 1e4;
        static double Anneal(double from, double to, double f) => to + (from - to) * (1 + Math.Cos(Math.PI * f)) / 2;
        return progress < rise ? Anneal(start, 1, progress / rise) : Anneal(1, end, (progress - rise) / (1 - rise));
    }

    public override string ToString() => ScheduleKind + (WarmupEpochs > 0 ? $" (warmup {WarmupEpochs})" : "");
}
