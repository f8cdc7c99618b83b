namespace MLExtensions.Pruning;

/// <summary>A state-dict weight that reads a pruned layer's output channels along <see cref="Axis"/>.</summary>
/// <param name="Block">Consecutive entries per channel along the axis: 1 for a convolution, the pooled cells for a linear layer after flatten.</param>
internal sealed record ChannelReader(string Weight, int Axis, int Block = 1);

/// <summary>
/// A convolution whose output channels (filters) can be removed: its weight, the per-channel normalization after it,
/// the weights that read its output, and (for SimpleConvNet's downsampling stem) a layer that must keep as many.
/// </summary>
internal sealed record PrunableLayer(string Name, string ConvolutionWeight, string NormalizationPrefix, IReadOnlyList<ChannelReader> Readers, int Filters)
{
    /// <summary>A layer pruned by the same count as this one (so the network's width list still describes it).</summary>
    public PrunableLayer? Tied { get; init; }
}
