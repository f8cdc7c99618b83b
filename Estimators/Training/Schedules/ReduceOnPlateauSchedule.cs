namespace MLExtensions;

/// <summary>
/// The base rate, cut by a <see cref="ReduceLearningRateOnPlateau"/> callback that the trainer adds for it. To cut
/// another schedule on plateaus, add a <see cref="ReduceLearningRateOnPlateau"/> to <c>Options.Callbacks</c> instead.
/// </summary>
public sealed class ReduceOnPlateauSchedule : LearningRateSchedule
{
    internal ReduceOnPlateauSchedule(ReduceLearningRateOnPlateau plateau, int warmupEpochs) : base(warmupEpochs) => Plateau = plateau;

    /// <summary>The callback that watches the loss and cuts the rate.</summary>
    public ReduceLearningRateOnPlateau Plateau { get; }

    /// <inheritdoc />
    protected override double Multiple(SchedulePosition position) => 1;
}
