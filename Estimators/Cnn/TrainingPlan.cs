using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Part of a network trained as one: its parameters, the modules that hold them (kept in evaluation mode while the
/// block is frozen, so BatchNorm neither updates nor uses batch statistics), its learning-rate multiplier, and the
/// 0-based epoch from which it trains (<see cref="Never"/>: frozen throughout).
/// </summary>
internal sealed record TrainableBlock(string Name, IReadOnlyList<nn.Module> Modules, IReadOnlyList<Parameter> Parameters, double RateMultiplier, int FromEpoch)
{
    public const int Never = int.MaxValue;

    public bool TrainsAt(int epoch) => epoch >= FromEpoch;
}

/// <summary>
/// Which parameters <see cref="CnnTrainingLoop"/> trains, from when and at what rate. Parameters in no block, or in
/// a block that has not started, are frozen: they do not require gradients and the optimizer never holds them.
/// </summary>
internal sealed class TrainingPlan
{
    internal TrainingPlan(IReadOnlyList<TrainableBlock> blocks, BodyFeatureCache? cache = null)
    {
        if (!blocks.Any(b => b.TrainsAt(0) && b.Parameters.Count > 0))
            throw new ArgumentException("A training plan must train some parameters from the first epoch.", nameof(blocks));
        Blocks = blocks;
        Cache = cache;
    }

    public IReadOnlyList<TrainableBlock> Blocks { get; }

    /// <summary>When set, the frozen body runs once over the data and only the head trains, on its cached inputs.</summary>
    public BodyFeatureCache? Cache { get; }

    /// <summary>Every parameter, one rate, from the first epoch: ordinary training.</summary>
    internal static TrainingPlan Everything(nn.Module network)
        => new([new TrainableBlock("network", [network], network.parameters().ToArray(), 1, 0)]);

    /// <summary>Training mode for the blocks that train at <paramref name="epoch"/>, evaluation mode for the frozen ones.</summary>
    internal void EnterTraining(nn.Module network, int epoch)
    {
        network.train();
        foreach (var block in Blocks.Where(b => !b.TrainsAt(epoch)))
            foreach (var module in block.Modules)
                module.eval();
    }
}
