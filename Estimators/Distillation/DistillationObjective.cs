using MLExtensions.Distillation;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Knowledge distillation: α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α)·CE, where z_t are the teacher's logits
/// (the log of its probabilities: softmax ignores the constant that separates them) and the cross-entropy is the
/// ordinary one against the batch's labels. The T² keeps the soft term's gradients on the scale of the hard one's as
/// T changes. With α = 0 the loss is exactly the cross-entropy and the teacher is never run.
/// </summary>
public sealed class DistillationObjective : TrainingObjective
{
    // Probabilities are clamped before the log so a teacher that is certain (p = 0 for a class) stays finite.
    private const float SmallestProbability = 1e-12f;

    private readonly TeacherProbabilities _teacher;
    private readonly CrossEntropyObjective _labels;

    internal DistillationObjective(TeacherProbabilities teacher, DistillationOptions options, double labelSmoothing)
    {
        _teacher = teacher;
        _labels = CrossEntropy(labelSmoothing);
        Temperature = options.Temperature;
        Alpha = options.Alpha;
    }

    /// <summary>The temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The weight α of the teacher's term.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override Tensor Loss(Tensor logits, TrainingBatch batch)
    {
        var hard = _labels.Loss(logits, batch);
        if (Alpha == 0)
            return hard;
        var soft = SoftLoss(logits, _teacher.For(batch, logits.device), Temperature);
        return soft * Alpha + hard * (1 - Alpha);
    }

    /// <summary>T²·KL(softmax(log p_t / T) ‖ softmax(z_s / T)), averaged over the batch.</summary>
    internal static Tensor SoftLoss(Tensor studentLogits, Tensor teacherProbabilities, double temperature)
    {
        var teacher = (teacherProbabilities.clamp_min(SmallestProbability).log() / temperature).log_softmax(1);
        var student = (studentLogits / temperature).log_softmax(1);
        return (teacher.exp() * (teacher - student)).sum(1).mean() * (temperature * temperature);
    }
}
