using System.Globalization;

namespace MLExtensions;

/// <summary>
/// Reads a run's per-epoch curves (<see cref="TrainingHistory"/>) the way the training checklist does and names what
/// they show, each finding with a one-line recommendation and its evidence. Thresholds are in
/// <see cref="CurveDiagnosticsOptions"/>.
/// </summary>
public static class CurveDiagnostics
{
    /// <summary>The findings for a fitted model's training run.</summary>
    public static IReadOnlyList<CurveDiagnosis> DiagnoseCurves(this ImageCnnTransformer model, CurveDiagnosticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Diagnose(model.History, model.Description.ClassCount, options);
    }

    /// <summary>
    /// The findings for <paramref name="history"/> of a classifier with <paramref name="classCount"/> classes, most
    /// severe first; <see cref="CurveFinding.Healthy"/> alone when none applies.
    /// </summary>
    public static IReadOnlyList<CurveDiagnosis> Diagnose(TrainingHistory history, int classCount, CurveDiagnosticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        options ??= new CurveDiagnosticsOptions();
        var curves = new Curves(history, classCount);
        if (curves.Count == 0)
            return [new CurveDiagnosis(CurveFinding.NotLearning, "no epoch finished: check the data and the options", "0 epochs in the history")];
        var findings = new[]
            {
                Diverging(curves, history, options), NotLearning(curves, options), SlowStart(curves, options),
                Overfitting(curves, options), Underfitting(curves, options), Plateau(curves, options), NoisyValidation(curves, options),
            }
            .OfType<CurveDiagnosis>().ToList();
        return findings.Count > 0 ? findings
            : [new CurveDiagnosis(CurveFinding.Healthy, "nothing to fix in the curves", $"final training loss {F(curves.Loss[^1])}, accuracy {P(curves.Accuracy[^1])}" +
                (curves.HasValidation ? $", validation accuracy {P(curves.ValidationAccuracy[^1])}" : ""))];
    }

    private static CurveDiagnosis? Diverging(Curves c, TrainingHistory history, CurveDiagnosticsOptions o)
    {
        if (history.StopReason == TrainingStopReason.Diverged || c.Loss.Any(l => !double.IsFinite(l)))
            return new(CurveFinding.Diverging, "lower the learning rate (÷10), or clip gradients",
                history.StopMessage ?? $"the training loss became {c.Loss.First(l => !double.IsFinite(l))}");
        int lowest = c.Loss.IndexOf(c.Loss.Min());
        if (c.Count >= 3 && c.Loss[^1] > c.Loss[lowest] * o.RisingLossFactor && c.Loss[^1] > c.Loss[0])
            return new(CurveFinding.Diverging, "the training loss rises: lower the learning rate (÷10), or check the sign of custom objectives",
                $"training loss {F(c.Loss[lowest])} at epoch {lowest + 1}, {F(c.Loss[^1])} at epoch {c.Count}");
        return null;
    }

    private static CurveDiagnosis? NotLearning(Curves c, CurveDiagnosticsOptions o)
    {
        double chance = 1.0 / c.Classes;
        if (c.Count < 2 || c.Accuracy[^1] > chance + o.ChanceMargin || c.RelativeDrop(0, c.Count - 1) > o.FlatLossFraction)
            return null;
        return new(CurveFinding.NotLearning, "the network is not learning: raise the learning rate (try FindLearningRate), check the labels and the input normalisation",
            $"training loss {F(c.Loss[0])} → {F(c.Loss[^1])} over {c.Count} epochs (ln {c.Classes} = {F(Math.Log(c.Classes))}), accuracy {P(c.Accuracy[^1])} (chance {P(chance)})");
    }

    private static CurveDiagnosis? SlowStart(Curves c, CurveDiagnosticsOptions o)
    {
        int flat = 0;
        while (flat + 1 < c.Count && c.RelativeDrop(flat, flat + 1) < o.FlatLossFraction)
            flat++;
        if (flat < o.SlowStartEpochs || flat == c.Count - 1 || c.RelativeDrop(flat, c.Count - 1) < o.SlowStartLaterDrop)
            return null;
        return new(CurveFinding.SlowStart, "the loss stays flat before it falls: the initialisation is likely too small (use Kaiming) or the warmup too long",
            $"training loss {F(c.Loss[0])} → {F(c.Loss[flat])} over the first {flat + 1} epochs, then {F(c.Loss[^1])} by epoch {c.Count}");
    }

    private static CurveDiagnosis? Overfitting(Curves c, CurveDiagnosticsOptions o)
    {
        if (!c.HasValidation || c.Count < 3)
            return null;
        double gap = c.Accuracy[^1] - c.ValidationAccuracy[^1];
        double earlyGap = c.Accuracy[c.Count / 3] - c.ValidationAccuracy[c.Count / 3];
        int bestValidation = c.ValidationLoss.IndexOf(c.ValidationLoss.Min());
        bool validationLossRises = bestValidation < c.Count - 1 && c.ValidationLoss[^1] > c.ValidationLoss[bestValidation] * o.RisingLossFactor;
        if (gap < o.OverfittingGap || (gap - earlyGap < o.GapGrowth && !validationLossRises))
            return null;
        return new(CurveFinding.Overfitting, "more regularisation (weight decay, dropout, augmentation), more data, or early stopping",
            $"training accuracy {P(c.Accuracy[^1])} against validation {P(c.ValidationAccuracy[^1])} (gap {Points(gap)}, {Points(earlyGap)} at epoch {c.Count / 3 + 1})" +
            (validationLossRises ? $"; validation loss {F(c.ValidationLoss[bestValidation])} at epoch {bestValidation + 1} → {F(c.ValidationLoss[^1])}" : ""));
    }

    private static CurveDiagnosis? Underfitting(Curves c, CurveDiagnosticsOptions o)
    {
        double chance = 1.0 / c.Classes;
        if (c.Accuracy[^1] >= o.UnderfittingAccuracy || c.Accuracy[^1] <= chance + o.ChanceMargin)
            return null;
        double gap = c.HasValidation ? c.Accuracy[^1] - c.ValidationAccuracy[^1] : 0;
        if (gap >= o.OverfittingGap)
            return null;
        bool stillFalling = c.Count >= 2 && c.RelativeDrop(c.Count - 2, c.Count - 1) > o.PlateauFraction;
        return new(CurveFinding.Underfitting,
            stillFalling ? "train longer (the loss still falls), then add capacity (wider or deeper network) or lower regularisation"
                : "add capacity (wider or deeper network) or lower regularisation",
            $"training accuracy {P(c.Accuracy[^1])}" + (c.HasValidation ? $", validation {P(c.ValidationAccuracy[^1])} (gap {Points(gap)})" : "") +
            $"; training loss fell {P(c.Count >= 2 ? c.RelativeDrop(c.Count - 2, c.Count - 1) : 0)} in the last epoch");
    }

    private static CurveDiagnosis? Plateau(Curves c, CurveDiagnosticsOptions o)
    {
        int window = o.PlateauEpochs;
        if (c.Count < window + 2 || c.Accuracy[^1] >= o.SaturatedAccuracy)
            return null;
        var rates = c.LearningRate.Skip(c.Count - window - 1).ToArray();
        bool constantRate = rates.Max() <= rates.Min() * 1.0001;
        double drop = c.RelativeDrop(c.Count - window - 1, c.Count - 1);
        if (!constantRate || drop > o.PlateauFraction || c.RelativeDrop(0, c.Count - window - 1) < o.FlatLossFraction)
            return null;
        return new(CurveFinding.Plateau, "decay the learning rate (LearningRateSchedule.Cosine, Step, or ReduceOnPlateau)",
            $"training loss {F(c.Loss[c.Count - window - 1])} → {F(c.Loss[^1])} over the last {window} epochs at a constant learning rate {rates[0].ToString("G3", CultureInfo.InvariantCulture)}");
    }

    private static CurveDiagnosis? NoisyValidation(Curves c, CurveDiagnosticsOptions o)
    {
        if (!c.HasValidation || c.Count < 4)
            return null;
        double validationJump = MeanAbsoluteStep(c.ValidationAccuracy), trainingJump = MeanAbsoluteStep(c.Accuracy);
        if (validationJump < o.NoisyValidationJump || validationJump < o.NoisyValidationRatio * trainingJump)
            return null;
        return new(CurveFinding.NoisyValidation, "use a larger validation set (ValidationFraction or ValidationSet) before trusting its accuracy",
            $"validation accuracy moves {Points(validationJump)} per epoch on average, training accuracy {Points(trainingJump)}");
    }

    private static double MeanAbsoluteStep(IReadOnlyList<double> values)
        => Enumerable.Range(1, values.Count - 1).Average(i => Math.Abs(values[i] - values[i - 1]));

    private static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
    private static string P(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture) + " %";
    private static string Points(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture) + " points";

    /// <summary>The history as plain series.</summary>
    private sealed class Curves(TrainingHistory history, int classes)
    {
        public int Classes { get; } = classes;
        public int Count => history.Epochs.Count;
        public List<double> Loss { get; } = history.Epochs.Select(e => e.TrainLoss).ToList();
        public List<double> Accuracy { get; } = history.Epochs.Select(e => e.TrainAccuracy).ToList();
        public List<double> LearningRate { get; } = history.Epochs.Select(e => e.LearningRate).ToList();
        public bool HasValidation { get; } = history.Epochs.Count > 0 && history.Epochs.All(e => e.ValidationAccuracy is not null && e.ValidationLoss is not null);
        public List<double> ValidationAccuracy { get; } = history.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN).ToList();
        public List<double> ValidationLoss { get; } = history.Epochs.Select(e => e.ValidationLoss ?? double.NaN).ToList();

        /// <summary>How much the training loss fell from epoch index <paramref name="from"/> to <paramref name="to"/>, as a fraction of the first.</summary>
        public double RelativeDrop(int from, int to) => (Loss[from] - Loss[to]) / Math.Max(Math.Abs(Loss[from]), 1e-12);
    }
}
