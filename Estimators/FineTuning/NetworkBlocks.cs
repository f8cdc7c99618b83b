using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.FineTuning;

/// <summary>A named part of a network: the modules it is made of and their parameters.</summary>
internal sealed record NetworkBlock(string Name, IReadOnlyList<nn.Module> Modules, IReadOnlyList<Parameter> Parameters);

/// <summary>
/// A network seen as fine-tuning sees it: the body as blocks from input to output, and the classifier layer (the
/// head) that is replaced for a new label set.
/// <list type="bullet">
/// <item>SimpleConvNet: conv stage 1 (conv1 + norm1), conv stage 2 (conv2 + norm2), the hidden layer; head: output.</item>
/// <item>ResNet: the stem, then every residual block; head: the final linear layer.</item>
/// <item>TorchVision: the architecture's natural stages (<see cref="TorchVisionStages"/>); head: its classifier layer.</item>
/// <item>Custom: the network's top-level children; head: its last linear layer.</item>
/// </list>
/// </summary>
internal sealed class NetworkBlocks
{
    private NetworkBlocks(IReadOnlyList<NetworkBlock> body, NetworkBlock head, string headName)
    {
        Body = body;
        Head = head;
        HeadName = headName;
    }

    /// <summary>Body blocks, from the input to the head.</summary>
    public IReadOnlyList<NetworkBlock> Body { get; }

    public NetworkBlock Head { get; }

    /// <summary>The head layer's module name: its parameters are named "<c>{HeadName}.weight</c>" and so on.</summary>
    public string HeadName { get; }

    public nn.Module<Tensor, Tensor> HeadLayer => (nn.Module<Tensor, Tensor>)Head.Modules[0];

    internal bool IsHeadParameter(string name) => name.StartsWith(HeadName + ".", StringComparison.Ordinal);

    // A parameter in no block would never train, even with FineTuneStrategy.Full.
    private void CheckCovers(int total, string network)
    {
        var covered = Body.Append(Head).Sum(b => b.Parameters.Count);
        if (covered != total)
            throw new InvalidOperationException($"The {network} stages cover {covered} of its {total} parameters.");
    }

    internal static NetworkBlocks Of(NetworkDescription description, nn.Module network)
    {
        var modules = network.named_modules().ToDictionary(m => m.name, m => m.module);
        var parameters = network.named_parameters().ToArray();
        NetworkBlock Block(string name, params string[] moduleNames)
        {
            var missing = moduleNames.FirstOrDefault(m => !modules.ContainsKey(m));
            if (missing is not null)
                throw new InvalidOperationException($"The {description.Architecture} network has no module '{missing}'.");
            return new NetworkBlock(name, moduleNames.Select(m => modules[m]).ToArray(),
                parameters.Where(p => moduleNames.Any(m => p.name.StartsWith(m + ".", StringComparison.Ordinal))).Select(p => p.parameter).ToArray());
        }

        switch (description.Architecture)
        {
            case CnnArchitecture.SimpleConvNet:
            {
                var body = new List<NetworkBlock>
                {
                    Block("conv stage 1", "features.conv1", "features.norm1"),
                    Block("conv stage 2", "features.conv2", "features.norm2"),
                };
                if (description.HiddenUnits > 0)
                    body.Add(Block("hidden layer", "classifier.hidden"));
                return new NetworkBlocks(body, Block("classifier", "classifier.output"), "classifier.output");
            }
            case CnnArchitecture.ResNet:
            {
                var body = new List<NetworkBlock> { Block("stem", "stem") };
                for (int s = 0; s < description.Blocks.Count; s++)
                    for (int b = 0; b < description.Blocks[s]; b++)
                        body.Add(Block($"stage {s + 1} block {b + 1}", $"stages.stage{s + 1}_block{b + 1}"));
                return new NetworkBlocks(body, Block("classifier", "head.output"), "head.output");
            }
            case CnnArchitecture.TorchVision:
            {
                var model = description.TorchVisionModel!.Value;
                var headName = TorchVision.TorchVisionNetworks.HeadName(model);
                var body = TorchVisionStages.Of(model, network).Select(s => Block(s.Name, s.Modules)).ToArray();
                var blocks = new NetworkBlocks(body, Block("classifier", headName), headName);
                blocks.CheckCovers(parameters.Length, model.ToString());
                return blocks;
            }
            default:
            {
                var head = modules.LastOrDefault(m => m.Value is Linear);
                if (head.Key is null)
                    throw new InvalidOperationException($"The custom network '{description.CustomName}' has no linear layer to use as the classifier head.");
                var headBlock = Block("classifier", head.Key);
                var body = network.named_children()
                    .Select(c => new NetworkBlock(c.name, [c.module],
                        parameters.Where(p => p.name.StartsWith(c.name + ".", StringComparison.Ordinal) && !p.name.StartsWith(head.Key + ".", StringComparison.Ordinal))
                            .Select(p => p.parameter).ToArray()))
                    .Where(b => b.Parameters.Count > 0)
                    .ToArray();
                return new NetworkBlocks(body, headBlock, head.Key);
            }
        }
    }
}
