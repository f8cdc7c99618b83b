using MLExtensions.Cnn;

namespace MLExtensions.FineTuning;

/// <summary>Turns a <see cref="FineTuneStrategy"/> into the blocks, start epochs and rates the training loop follows.</summary>
internal static class FineTunePlan
{
    /// <param name="rateMultiplier">Learning-rate factor per block below the head: block k from the top trains at rate × multiplier^k.</param>
    /// <param name="cache">Train a linear probe on cached body features.</param>
    internal static TrainingPlan Create(NetworkBlocks blocks, FineTuneStrategy strategy, double rateMultiplier, double dropout, bool cache)
    {
        int count = blocks.Body.Count;
        if (strategy.StrategyKind == FineTuneStrategy.Kind.TopBlocks && strategy.Blocks > count)
            throw new ArgumentOutOfRangeException(nameof(strategy),
                $"{strategy} asks for more blocks than the network has: its {count} body blocks are {string.Join(", ", blocks.Body.Select(b => b.Name))}.");

        var plan = new List<TrainableBlock> { new(blocks.Head.Name, blocks.Head.Modules, blocks.Head.Parameters, 1, 0) };
        // From the top (next to the head) down, so block k from the top has multiplier^k.
        for (int k = 1; k <= count; k++)
        {
            var block = blocks.Body[count - k];
            int from = strategy.StrategyKind switch
            {
                FineTuneStrategy.Kind.Full => 0,
                FineTuneStrategy.Kind.TopBlocks => k <= strategy.Blocks ? 0 : TrainableBlock.Never,
                FineTuneStrategy.Kind.Gradual => strategy.HeadEpochs + (k - 1) * strategy.EpochsPerBlock,
                _ => TrainableBlock.Never,
            };
            plan.Add(new TrainableBlock(block.Name, block.Modules, block.Parameters, Math.Pow(rateMultiplier, k), from));
        }
        return new TrainingPlan(plan, cache && strategy.StrategyKind == FineTuneStrategy.Kind.LinearProbe
            ? new BodyFeatureCache(blocks.HeadLayer, dropout)
            : null);
    }
}
