using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>One training batch as the network sees it (after augmentation), on the training device.</summary>
public sealed class TrainingBatch
{
    internal TrainingBatch(Tensor inputs, Tensor labels, Tensor? targets, long[] rows)
    {
        Inputs = inputs;
        Labels = labels;
        Targets = targets;
        Rows = rows;
    }

    /// <summary>
    /// The network's input [N,C,H,W]; for a linear probe on cached body features, those features [N,F].
    /// </summary>
    public Tensor Inputs { get; }

    /// <summary>0-based class indices [N] (int64), as read from the data.</summary>
    public Tensor Labels { get; }

    /// <summary>Class distributions [N,K] when Mixup or CutMix blended the labels; null otherwise.</summary>
    public Tensor? Targets { get; }

    /// <summary>
    /// Positions of the batch's images among the training images (after missing labels and the validation split are
    /// removed).
    /// </summary>
    public IReadOnlyList<long> Rows { get; }

    /// <summary>Images in the batch.</summary>
    public int Count => Rows.Count;
}
