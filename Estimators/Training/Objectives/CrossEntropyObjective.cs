using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Mean cross-entropy against the batch's labels, or against its class distributions when Mixup or CutMix blended
/// them, with label smoothing: the target mixes in <see cref="LabelSmoothing"/> of the uniform distribution.
/// </summary>
public sealed class CrossEntropyObjective : TrainingObjective
{
    /// <summary>Cross-entropy of the softmax of the logits against the (possibly mixed) targets.</summary>
    /// <param name="labelSmoothing">Target smoothing ε in [0, 1) (default 0).</param>
    public CrossEntropyObjective(double labelSmoothing = 0)
    {
        if (labelSmoothing is not (>= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"LabelSmoothing must be in [0, 1), got {labelSmoothing}.");
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The target smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc />
    public override Tensor Loss(Tensor logits, TrainingBatch batch)
        => batch.Targets is { } targets
            ? SoftTargetLoss(logits, targets)
            : nn.functional.cross_entropy(logits, batch.Labels, label_smoothing: LabelSmoothing);

    private Tensor SoftTargetLoss(Tensor logits, Tensor targets)
    {
        if (LabelSmoothing > 0)
            targets = targets * (1 - LabelSmoothing) + LabelSmoothing / targets.shape[1];
        return -(targets * logits.log_softmax(1)).sum(1).mean();
    }
}
