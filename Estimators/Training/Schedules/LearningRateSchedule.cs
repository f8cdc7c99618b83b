namespace MLExtensions;

/// <summary>
/// How the learning rate changes during training: a pure function of the position in training, as a multiple of
/// <c>Options.LearningRate</c>, optionally after a linear warmup. Use a factory (<see cref="Cosine"/>,
/// <see cref="Step"/>, …) or subclass it and override <see cref="Multiple"/>.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <param name="warmupEpochs">Epochs over which the rate ramps linearly, step by step, from (almost) zero to the scheduled rate.</param>
    protected LearningRateSchedule(int warmupEpochs = 0)
    {
        if (warmupEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupEpochs), "Warmup epochs cannot be negative.");
        WarmupEpochs = warmupEpochs;
    }

    /// <summary>Epochs over which the rate ramps linearly from (almost) zero to the scheduled rate.</summary>
    public int WarmupEpochs { get; }

    /// <summary>The multiple of the base rate at <paramref name="position"/>, before warmup.</summary>
    protected abstract double Multiple(SchedulePosition position);

    /// <summary>
    /// The rate at step <paramref name="step"/> of <paramref name="stepsPerEpoch"/> in 0-based epoch <paramref name="epoch"/>
    /// of <paramref name="totalEpochs"/> (before any reduce-on-plateau cut).
    /// </summary>
    public double Rate(double baseRate, int epoch, int step, int stepsPerEpoch, int totalEpochs)
    {
        var position = new SchedulePosition(epoch, step, stepsPerEpoch, totalEpochs);
        double warmup = WarmupEpochs > 0 ? Math.Min(1, (position.Progress + 1.0 / stepsPerEpoch) / WarmupEpochs) : 1;
        return baseRate * Multiple(position) * warmup;
    }

    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant(int warmupEpochs = 0) => new ConstantSchedule(warmupEpochs);

    /// <summary>Multiply by <paramref name="gamma"/> every <paramref name="stepEpochs"/> epochs: a0·γ^⌊e/s⌋.</summary>
    public static LearningRateSchedule Step(int stepEpochs, double gamma = 0.1, int warmupEpochs = 0)
        => new StepSchedule(Positive(stepEpochs, nameof(stepEpochs)), gamma, warmupEpochs);

    /// <summary>Multiply by <paramref name="gamma"/> at each milestone epoch (0-based epoch index).</summary>
    public static LearningRateSchedule MultiStep(IEnumerable<int> milestones, double gamma = 0.1, int warmupEpochs = 0)
        => new MultiStepSchedule(milestones.OrderBy(m => m).ToArray(), gamma, warmupEpochs);

    /// <summary>a0·e^(−k·e) with <paramref name="decay"/> = k, per epoch e.</summary>
    public static LearningRateSchedule Exponential(double decay, int warmupEpochs = 0) => new ExponentialSchedule(decay, warmupEpochs);

    /// <summary>a0 / (1 + k·e) with <paramref name="decay"/> = k, per epoch e.</summary>
    public static LearningRateSchedule InverseTime(double decay, int warmupEpochs = 0) => new InverseTimeSchedule(decay, warmupEpochs);

    /// <summary>Linearly from a0 to a0·<paramref name="finalFraction"/> over the whole run.</summary>
    public static LearningRateSchedule Linear(double finalFraction = 0, int warmupEpochs = 0) => new LinearSchedule(finalFraction, warmupEpochs);

    /// <summary>
    /// Cosine annealing: a_min + (a0 − a_min)(1 + cos(π t/T))/2, with a_min = a0·<paramref name="minimumFraction"/>.
    /// </summary>
    public static LearningRateSchedule Cosine(double minimumFraction = 0, int warmupEpochs = 0) => new CosineSchedule(minimumFraction, warmupEpochs);

    /// <summary>
    /// Triangular cycles between a0·<paramref name="minimumFraction"/> and a0, each <paramref name="cycleEpochs"/> long
    /// (low at the start and end of each cycle).
    /// </summary>
    public static LearningRateSchedule Cyclical(int cycleEpochs, double minimumFraction = 0.1, int warmupEpochs = 0)
        => new CyclicalSchedule(Positive(cycleEpochs, nameof(cycleEpochs)), minimumFraction, warmupEpochs);

    /// <summary>
    /// One-cycle policy: cosine rise from a0/25 to a0 over the first 30% of training, then cosine decay to a0/(25·10⁴).
    /// </summary>
    public static LearningRateSchedule OneCycle() => new OneCycleSchedule();

    /// <summary>
    /// The base rate, multiplied by <paramref name="factor"/> whenever the validation loss (the training loss without
    /// validation data) has not improved by more than <paramref name="minDelta"/> for <paramref name="patience"/> epochs:
    /// a <see cref="ReduceLearningRateOnPlateau"/> callback on a constant schedule.
    /// </summary>
    public static LearningRateSchedule ReduceOnPlateau(int patience = 2, double factor = 0.5, double minDelta = 0, int warmupEpochs = 0)
        => new ReduceOnPlateauSchedule(new ReduceLearningRateOnPlateau(patience, factor, minDelta), warmupEpochs);

    private protected static int Positive(int value, string name)
        => value > 0 ? value : throw new ArgumentOutOfRangeException(name, $"{name} must be positive, got {value}.");

    /// <summary>The schedule's name in logs: the class name without "Schedule".</summary>
    protected virtual string Name => GetType().Name is var name && name.EndsWith("Schedule", StringComparison.Ordinal) && name.Length > 8 ? name[..^8] : name;

    /// <inheritdoc />
    public override string ToString() => Name + (WarmupEpochs > 0 ? $" (warmup {WarmupEpochs})" : "");
}
