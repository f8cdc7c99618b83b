using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// What training minimises for one batch: a scalar loss with gradients, from the network's logits and the batch.
/// Set <c>Options.Objective</c> to use another one; a callback can still add terms in <see cref="TrainingCallback.OnLoss"/>.
/// The validation loss is always plain cross-entropy, so runs with different objectives compare.
/// </summary>
public abstract class TrainingObjective
{
    /// <param name="logits">The network's output for the batch [N,K].</param>
    /// <param name="batch">The batch: labels, and blended class distributions when Mixup or CutMix mixed them.</param>
    public abstract Tensor Loss(Tensor logits, TrainingBatch batch);

    /// <summary>Cross-entropy against the labels, or against the blended distributions when labels were mixed.</summary>
    public static CrossEntropyObjective CrossEntropy(double labelSmoothing = 0) => new(labelSmoothing);
}
