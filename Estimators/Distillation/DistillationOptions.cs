namespace MLExtensions;

/// <summary>
/// How <c>DistillImageCnn</c> mixes what the teacher says with the labels (Hinton, Vinyals and Dean 2015): the student
/// minimises α·T²·KL(p_teacher^T ‖ p_student^T) + (1 − α)·CE(labels), where p^T = softmax(z/T).
/// </summary>
public sealed class DistillationOptions
{
    /// <summary>
    /// Temperature T that softens both networks' probabilities; above 1 it shows more of how the teacher ranks the wrong
    /// classes (which shirts look like coats). Greater than 0; default 2 (on Fashion-MNIST, T = 2 with α = 0.5 beat
    /// training alone for both students of the distillation benchmark; T = 4 with α = 0.9 did not).
    /// </summary>
    public double Temperature { get; set; } = 2;

    /// <summary>
    /// Weight α of the teacher's term; 1 − α weighs cross-entropy on the labels. In [0, 1]; 0 is plain training (the
    /// teacher is never asked), 1 ignores the labels. Default 0.5.
    /// </summary>
    public double Alpha { get; set; } = 0.5;

    /// <summary>The teacher's class-probability column (one slot per class, in the label's key order). Default "Score".</summary>
    public string TeacherScoreColumnName { get; set; } = "Score";

    internal void Validate()
    {
        if (!(Temperature > 0) || !double.IsFinite(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), $"Temperature must be positive, got {Temperature}.");
        if (Alpha is not (>= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(Alpha), $"Alpha must be in [0, 1], got {Alpha}.");
        ArgumentException.ThrowIfNullOrWhiteSpace(TeacherScoreColumnName);
    }
}
