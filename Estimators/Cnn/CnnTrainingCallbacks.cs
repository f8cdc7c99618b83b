using Microsoft.ML.Runtime;
using MLExtensions.Training;

namespace MLExtensions.Cnn;

/// <summary>
/// The one place where the flat <see cref="CnnTrainingOptions"/> become callbacks: the built-in behaviours the
/// options ask for, then the user's <see cref="CnnTrainingOptions.Callbacks"/>.
/// </summary>
internal static class CnnTrainingCallbacks
{
    internal static IEnumerable<TrainingCallback> For(CnnTrainingOptions options, TrainingPlan plan, IHost host, Checkpointing? checkpointing)
    {
        var schedule = options.TrainingSchedule;
        yield return new CancellationWatch(host, options.CancellationToken);
        yield return new BlockUnfreezing(plan, options);
        yield return new LearningRateScheduler(schedule, options.TrainingLearningRate);
        if (schedule is ReduceOnPlateauSchedule plateau)
            yield return plateau.Plateau;
        if (options.L1Regularization > 0)
            yield return new L1Penalty(options.L1Regularization);
        yield return new EpochReporter(options.OnEpochEnd);
        if (options.OnProgress is { } progress)
            yield return new ProgressReporter(progress);
        yield return new DivergenceGuard();
        if (options.GradientClipNorm is double clip)
            yield return new GradientClipping(clip);
        if (options.EarlyStopping is { } earlyStopping)
            yield return earlyStopping;
        if (options.WeightAveraging is { } averaging)
            yield return averaging;
        if (checkpointing is not null)
            yield return checkpointing;
        foreach (var callback in options.Callbacks)
            yield return callback ?? throw new ArgumentException("Options.Callbacks holds a null callback.", nameof(options));
    }
}
