using MLExtensions.Cnn;

namespace MLExtensions.Training;

/// <summary>
/// Follows a <see cref="TrainingPlan"/>: creates the optimizer with the blocks that train from the first epoch, adds
/// each later block's parameters at its epoch (so the optimizer only ever holds parameters that train), and keeps
/// frozen blocks in evaluation mode. Parameters outside every started block do not require gradients.
/// </summary>
internal sealed class BlockUnfreezing(TrainingPlan plan, CnnTrainingOptions options) : TrainingCallback
{
    public override int Order => CallbackOrder.Unfreezing;

    public override void OnFitBegin(TrainingState state)
    {
        foreach (var parameter in state.Network.parameters())
            parameter.requires_grad = false;
        StartDueBlocks(state, epoch: 0, quiet: false);
    }

    public override void OnEpochBegin(TrainingState state)
    {
        StartDueBlocks(state, state.Epoch, quiet: false);
        plan.EnterTraining(state.Network, state.Epoch);
    }

    public override void OnFitEnd(TrainingState state)
    {
        foreach (var parameter in state.Network.parameters())
            parameter.requires_grad = true;
    }

    // A run resumed at epoch k: the blocks that joined the optimizer in epochs 1..k-1 join again, in the same order, so its saved state fits.
    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        for (int epoch = 1; epoch < state.Epoch; epoch++)
            StartDueBlocks(state, epoch, quiet: true);
    }

    private void StartDueBlocks(TrainingState state, int epoch, bool quiet)
    {
        bool started = false;
        foreach (var block in plan.Blocks.Where(b => b.TrainsAt(epoch) && b.Parameters.Count > 0 && !state.TrainingBlocks.Contains(b)))
        {
            Start(state, block);
            started = true;
            if (epoch > 0 && !quiet)
                state.Log($"from epoch {epoch + 1}, training {block.Name} too.");
        }
        if (started && !quiet)
            state.Log($"the optimizer holds {state.Optimizer.parameters().Count()} parameter tensors ({state.Optimizer.parameters().Sum(p => p.numel())} values).");
    }

    private void Start(TrainingState state, TrainableBlock block)
    {
        foreach (var parameter in block.Parameters)
            parameter.requires_grad = true;
        var optimizer = state.OptimizerOrNull;
        if (optimizer is null)
            optimizer = OptimizerFactory.Create(block.Parameters, options);
        else
            OptimizerFactory.AddGroup(optimizer, block.Parameters);
        state.StartTraining(block, optimizer);
    }
}
