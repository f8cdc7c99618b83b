using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Training;

/// <summary>
/// Recomputes the running statistics of BatchNorm layers for the weights now in the network: one pass over the
/// training images (unaugmented, in order, without gradients) with every other module in evaluation mode, each
/// layer's statistics the plain average over the batches (momentum 1/(b+1) at batch b).
/// </summary>
internal static class BatchNormRefresh
{
    internal static void Run(TrainingState state, IReadOnlyList<NormBase> norms)
    {
        if (norms.Count == 0 || state.TrainingInputs is not { } inputs)
            return;
        var momenta = norms.Select(n => n.momentum).ToArray();
        state.Network.eval();
        foreach (var norm in norms)
        {
            norm.reset_running_stats();
            norm.train();
        }
        int batches = 0;
        try
        {
            using (no_grad())
                foreach (var batch in inputs())
                    using (batch)
                    {
                        using var scope = NewDisposeScope();
                        foreach (var norm in norms)
                            norm.momentum = 1.0 / (batches + 1);
                        state.Network.forward(batch);
                        batches++;
                    }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++)
                norms[i].momentum = momenta[i];
            state.Network.eval();
        }
        state.Log($"recomputed the statistics of {norms.Count} BatchNorm layers for the averaged weights over {batches} batches of training images.");
    }
}
