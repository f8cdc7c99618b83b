using MLExtensions.Architectures;
using static TorchSharp.torch;

namespace MLExtensions.FineTuning;

/// <summary>
/// Copies a pretrained network's body into a new network built for the new task. The head (classifier layer) keeps
/// its fresh initialisation, unless it is kept (same label set). The first convolution adapts between 1 and 3 input channels so that a grey image gives
/// the same response as the same image replicated to RGB: 3→1 sums the three channels' kernels, 1→3 replicates the
/// kernel and divides by 3. Anything else that differs in shape is an error naming the parameter.
/// </summary>
internal static class WeightTransfer
{
    internal static void Apply(PretrainedNetwork pretrained, nn.Module target, NetworkBlocks targetBlocks, NetworkDescription targetDescription,
        bool keepHead = false)
    {
        var source = pretrained.ReadWeights();
        try
        {
            var weights = source.ToDictionary(e => e.Key, e => e.Value);
            string? firstConv = target.named_parameters().Where(p => p.parameter.dim() == 4).Select(p => p.name).FirstOrDefault();
            using var noGrad = no_grad();
            foreach (var (name, destination) in target.state_dict())
            {
                if (!keepHead && targetBlocks.IsHeadParameter(name))
                    continue;
                if (!weights.TryGetValue(name, out var value))
                    throw new ArgumentException(
                        $"Cannot fine-tune from {pretrained.Source}: the new network ({PretrainedNetwork.Describe(targetDescription)}) has parameter '{name}', " +
                        $"which the pretrained {PretrainedNetwork.Describe(pretrained.Description)} lacks.");
                if (name == firstConv && value.dim() == 4 && value.shape[1] != destination.shape[1])
                    value = AdaptChannels(value, destination.shape[1], name, pretrained);
                if (!value.shape.SequenceEqual(destination.shape))
                    throw new ArgumentException(
                        $"Cannot fine-tune from {pretrained.Source}: parameter '{name}' has shape {StateDictFile.Shape(value)} in the pretrained network " +
                        $"but the new network needs {StateDictFile.Shape(destination)}. The pretrained input is {pretrained.Description.InputShape}, the new data's is " +
                        $"{targetDescription.InputShape}" +
                        (NetworkFamilies.Of(targetDescription).ShapeMismatchAdvice(pretrained.Description, targetDescription) is { } advice ? $"; {advice}" : "."));
                destination.copy_(value);
            }
        }
        finally
        {
            foreach (var entry in source)
                entry.Value.Dispose();
        }
    }

    private static Tensor AdaptChannels(Tensor weight, long channels, string name, PretrainedNetwork pretrained)
        => (weight.shape[1], channels) switch
        {
            (3, 1) => weight.sum(1, keepdim: true),
            (1, 3) => weight.expand(-1, 3, -1, -1) / 3,
            _ => throw new ArgumentException(
                $"Cannot fine-tune from {pretrained.Source}: its first convolution '{name}' takes {weight.shape[1]} input channels and the new images have {channels}; " +
                "only 1 ↔ 3 channels are adapted."),
        };
}
