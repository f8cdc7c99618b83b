using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

internal static class WeightsAssert
{
    /// <summary>Every entry of the two networks' state dicts (weights and buffers, counters included) is equal, bit for bit.</summary>
    internal static void BitIdentical(nn.Module expected, nn.Module actual, string what)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        CollectionAssert.AreEqual(a.Keys.ToArray(), b.Keys.ToArray(), $"{what}: different state-dict entries");
        foreach (var (name, tensor) in a)
        {
            using var left = tensor.detach().cpu().contiguous();
            using var right = b[name].detach().cpu().contiguous();
            Assert.IsTrue(left.bytes.SequenceEqual(right.bytes), $"{what}: '{name}' differs (max |Δ| {(left.to(ScalarType.Float64) - right.to(ScalarType.Float64)).abs().max().item<double>():E3})");
        }
    }

    /// <summary>Same shape, type and bytes.</summary>
    internal static bool Identical(Tensor a, Tensor b)
    {
        using var left = a.detach().cpu().contiguous();
        using var right = b.detach().cpu().contiguous();
        return left.dtype == right.dtype && left.shape.SequenceEqual(right.shape) && left.bytes.SequenceEqual(right.bytes);
    }

    /// <summary>The same epochs with the same metrics, bit for bit (seconds aside).</summary>
    internal static void SameHistory(TrainingHistory expected, TrainingHistory actual, string what)
    {
        Assert.AreEqual(expected.Epochs.Count, actual.Epochs.Count, $"{what}: epochs");
        foreach (var (e, a) in expected.Epochs.Zip(actual.Epochs))
            Assert.AreEqual(e with { Seconds = 0 }, a with { Seconds = 0 }, $"{what}: epoch {e.Epoch}");
        Assert.AreEqual(expected.StopReason, actual.StopReason, $"{what}: stop reason");
        Assert.AreEqual(expected.BestEpoch, actual.BestEpoch, $"{what}: best epoch");
    }
}
