using MLExtensions.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.FineTuning;

/// <summary>A named part of a network: the modules it is made of and their parameters.</summary>
internal sealed record NetworkBlock(string Name, IReadOnlyList<nn.Module> Modules, IReadOnlyList<Parameter> Parameters);

/// <summary>
/// A network seen as fine-tuning sees it: the body as blocks from input to output, and the classifier layer (the
/// head) that is replaced for a new label set.
/// The stages and the head come from the network's family (<see cref="NetworkFamily.Stages"/>); a parameter in
/// neither is an error, as it would never train.
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
        var family = NetworkFamilies.Of(description);
        var modules = network.named_modules().ToDictionary(m => m.name, m => m.module);
        var parameters = network.named_parameters().ToArray();
        string headName = family.HeadName(description, network);
        bool InModule(string parameter, string module) => parameter.StartsWith(module + ".", StringComparison.Ordinal);
        NetworkBlock Block(NetworkStage stage)
        {
            var missing = stage.Modules.FirstOrDefault(m => !modules.ContainsKey(m));
            if (missing is not null)
                throw new InvalidOperationException($"The {family.Describe(description)} network has no module '{missing}'.");
            return new NetworkBlock(stage.Name, stage.Modules.Select(m => modules[m]).ToArray(),
                parameters.Where(p => stage.Modules.Any(m => InModule(p.name, m)) && (stage.Modules.Contains(headName) || !InModule(p.name, headName)))
                    .Select(p => p.parameter).ToArray());
        }

        var body = family.Stages(description, network).Select(Block).Where(b => b.Parameters.Count > 0).ToArray();
        var blocks = new NetworkBlocks(body, Block(new NetworkStage("classifier", headName)), headName);
        blocks.CheckCovers(parameters.Length, family.Describe(description));
        return blocks;
    }
}
