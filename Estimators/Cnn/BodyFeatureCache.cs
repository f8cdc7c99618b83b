using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Linear probing without running the frozen body every step: the network runs once over the images (evaluation
/// mode, no gradients) and the inputs of its classifier layer are kept; training then runs only dropout and the
/// classifier layer on those. The classifier layer is the network's own, so the trained weights land in the network.
/// </summary>
internal sealed class BodyFeatureCache
{
    internal const int BatchSize = 512;
    private readonly nn.Module<Tensor, Tensor> _classifier;

    internal BodyFeatureCache(nn.Module<Tensor, Tensor> classifier, double dropout)
    {
        _classifier = classifier;
        Head = new CachedHead(classifier, dropout);
    }

    /// <summary>Dropout then the classifier layer: what trains on the cached features.</summary>
    public nn.Module<Tensor, Tensor> Head { get; }

    /// <summary>The classifier layer's input for every image of <paramref name="batches"/> (each disposed here), as one N×F tensor on their device.</summary>
    internal Tensor Features(nn.Module<Tensor, Tensor> network, IEnumerable<Tensor> batches)
    {
        var features = new List<Tensor>();
        Tensor? captured = null;
        var hook = _classifier.register_forward_pre_hook((_, input) =>
        {
            captured = input.detach().clone().DetachFromDisposeScope();
            return null!; // keep the input unchanged
        });
        network.eval();
        try
        {
            using (no_grad())
                foreach (var batch in batches)
                    using (batch)
                    {
                        using var scope = NewDisposeScope();
                        network.forward(batch);
                        features.Add(captured!);
                    }
            return cat(features, 0);
        }
        finally
        {
            hook.remove();
            foreach (var batch in features)
                batch.Dispose();
        }
    }

    private sealed class CachedHead : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> dropout;
        private readonly nn.Module<Tensor, Tensor> classifier;

        public CachedHead(nn.Module<Tensor, Tensor> classifier, double p) : base(nameof(CachedHead))
        {
            dropout = nn.Dropout(p);
            this.classifier = classifier;
            RegisterComponents();
        }

        public override Tensor forward(Tensor features) => classifier.forward(dropout.forward(features));
    }
}
