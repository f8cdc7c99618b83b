using static TorchSharp.torch;

namespace MLExtensions.Pretrained;

/// <summary>
/// Lines a file's state dict up with a network's: every parameter and buffer present with the same shape, nothing
/// extra. Floating-point entries of another precision (float16 exports) are converted to the network's; a missing
/// BatchNorm <c>num_batches_tracked</c> counter (torchvision's oldest weight files lack it) starts at zero.
/// </summary>
internal static class StateDictMatch
{
    /// <summary>The file's tensors by the network's names, ready for <c>load_state_dict(strict: true)</c>; throws naming what differs.</summary>
    internal static Dictionary<string, Tensor> Align(IReadOnlyDictionary<string, Tensor> file, nn.Module network, string networkName, string source)
    {
        var expected = network.state_dict();
        var missing = expected.Where(e => !file.ContainsKey(e.Key) && !IsBatchCounter(e.Key)).Select(e => e.Key).ToList();
        var unexpected = file.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var mismatched = expected.Where(e => file.TryGetValue(e.Key, out var actual) && !actual.shape.SequenceEqual(e.Value.shape))
            .Select(e => e.Key).ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new ArgumentException(Describe(file, expected, missing, unexpected, mismatched, networkName, source));

        var aligned = new Dictionary<string, Tensor>();
        foreach (var (name, target) in expected)
        {
            if (!file.TryGetValue(name, out var value))
                aligned[name] = zeros_like(target);
            else if (value.dtype != target.dtype && value.is_floating_point() && target.is_floating_point())
                aligned[name] = value.to_type(target.dtype);
            else if (value.dtype != target.dtype)
                throw new ArgumentException($"{source} does not match {networkName}: '{name}' is {value.dtype} in the file but {target.dtype} in the network.");
            else
                aligned[name] = value;
        }
        return aligned;
    }

    private static bool IsBatchCounter(string name) => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    private static string Describe(IReadOnlyDictionary<string, Tensor> file, IDictionary<string, Tensor> expected,
        List<string> missing, List<string> unexpected, List<string> mismatched, string networkName, string source)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add($"{missing.Count} of the network's entries are not in the file, first '{missing[0]}' (shape {Shape(expected[missing[0]])})");
        if (unexpected.Count > 0)
            parts.Add($"{unexpected.Count} of the file's entries are not in the network, first '{unexpected[0]}' (shape {Shape(file[unexpected[0]])})");
        if (mismatched.Count > 0)
            parts.Add($"{mismatched.Count} entries differ in shape, first '{mismatched[0]}': {Shape(file[mismatched[0]])} in the file, {Shape(expected[mismatched[0]])} in the network");
        return $"{source} does not match {networkName} ({file.Count} entries in the file, {expected.Count} in the network): {string.Join("; ", parts)}. " +
               "Check that the file was saved from that architecture (and, for MobileNetV2, the same width multiplier); " +
               "keys with a prefix such as 'module.' or 'model.' come from a wrapped model: save the inner model's state_dict().";
    }

    private static string Shape(Tensor tensor) => FineTuning.StateDictFile.Shape(tensor);
}
