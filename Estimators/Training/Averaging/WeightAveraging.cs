using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Keeps an average of the weights seen during training. Validation metrics are those of the averaged weights, and
/// the fitted model holds them. Only what trains is averaged: parameters that train and the BatchNorm statistics of
/// modules that train; frozen parts stay bit-identical. Set <c>Options.WeightAveraging</c> to <see cref="Ema"/> or <see cref="Swa"/>.
/// </summary>
public abstract class WeightAveraging : TrainingCallback
{
    private WeightSnapshot? _average;
    private WeightSnapshot? _trained;
    private (Tensor Average, Tensor Current, bool IsFloat)[] _live = [];

    private protected WeightAveraging() { }

    /// <summary>Polyak averaging: an exponential moving average of the weights after every step.</summary>
    /// <param name="decay">Weight of the old average at each step (the average spans about 1/(1 − decay) steps).</param>
    /// <param name="warmup">Use min(decay, (1 + n)/(10 + n)) at update n, so the first steps do not anchor the average to the initial weights.</param>
    public static ExponentialMovingAverage Ema(double decay = 0.999, bool warmup = true) => new(decay, warmup);

    /// <summary>
    /// Stochastic weight averaging: the mean of the weights at the end of every epoch from
    /// <paramref name="startEpoch"/> (1-based) on, with BatchNorm statistics recomputed at the end.
    /// </summary>
    public static StochasticWeightAveraging Swa(int startEpoch) => new(startEpoch);

    /// <inheritdoc />
    public override int Order => CallbackOrder.WeightAveraging;

    /// <summary>Updates folded into the average so far.</summary>
    public long Updates { get; private set; }

    /// <summary>True once the average stands for the weights (EMA from the start; SWA from its first epoch).</summary>
    private protected virtual bool IsActive => Updates > 0;

    /// <summary>The BatchNorm layers that trained in the last epoch.</summary>
    private protected IReadOnlyList<NormBase> TrainingNorms { get; private set; } = [];

    /// <inheritdoc />
    public override void OnFitBegin(TrainingState state)
    {
        Release(state);
        Updates = 0;
        _average = WeightSnapshot.Of(state.Network.state_dict(), epoch: 0);
        Activate(state);
    }

    // What trains can change with the epoch (fine-tuning plans), and the training modes are set by now.
    /// <inheritdoc />
    public override void OnEpochBegin(TrainingState state)
    {
        _live = LiveEntries(state.Network).ToArray();
        TrainingNorms = state.Network.modules().OfType<NormBase>().Where(n => n.training && n.running_mean is not null).ToArray();
    }

    /// <summary>
    /// Folds the current weights into the average: average ← <paramref name="keep"/>·average + (1 −
    /// <paramref name="keep"/>)·weights.
    /// </summary>
    private protected void Update(TrainingState state, double keep)
    {
        using (no_grad())
            foreach (var (average, current, isFloat) in _live)
                if (isFloat)
                    average.mul_(keep).add_(current, alpha: 1 - keep);
                else
                    average.copy_(current);
        Updates++;
        Activate(state);
    }

    /// <inheritdoc />
    public override void OnValidationBegin(TrainingState state)
    {
        if (!IsActive)
            return;
        _trained = WeightSnapshot.Of(state.Network.state_dict(), state.History.Count);
        Load(state.Network, _average!);
    }

    /// <inheritdoc />
    public override void OnValidationEnd(TrainingState state)
    {
        if (_trained is null)
            return;
        Load(state.Network, _trained);
        _trained.Dispose();
        _trained = null;
    }

    /// <inheritdoc />
    public override void OnFitEnd(TrainingState state)
    {
        if (IsActive)
        {
            if (!state.WeightsRestored)
                Load(state.Network, _average!);
            Finish(state);
        }
        Release(state);
    }

    /// <summary>Runs once the fitted weights are in the network (SWA recomputes BatchNorm statistics).</summary>
    private protected virtual void Finish(TrainingState state) { }

    /// <inheritdoc />
    public override void SaveState(TrainingState state, CheckpointState checkpoint)
    {
        checkpoint.Set("updates", Updates);
        checkpoint.SetWeights("average", _average!);
    }

    /// <inheritdoc />
    public override void LoadState(TrainingState state, CheckpointState checkpoint)
    {
        Updates = checkpoint.GetInt64("updates");
        using var saved = checkpoint.GetWeights("average", epoch: 0);
        using (no_grad())
            foreach (var (name, tensor) in _average!.Tensors)
                tensor.copy_(saved.Tensors.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"The checkpoint's averaged weights have no '{name}'."));
        Activate(state);
    }

    private void Activate(TrainingState state) => state.AveragedWeights = IsActive ? _average!.Tensors : null;

    private static void Load(nn.Module network, WeightSnapshot weights)
    {
        using (no_grad())
            network.load_state_dict(weights.Dictionary);
    }

    // Parameters that require gradients, and buffers of modules in training mode (BatchNorm running statistics).
    private IEnumerable<(Tensor, Tensor, bool)> LiveEntries(nn.Module network)
    {
        var average = _average!.Tensors;
        foreach (var (name, parameter) in network.named_parameters())
            if (parameter.requires_grad)
                yield return (average[name], parameter, true);
        foreach (var (prefix, module) in network.named_modules())
            if (module.training)
                foreach (var (name, buffer) in module.named_buffers(recurse: false))
                    yield return (average[prefix.Length == 0 ? name : $"{prefix}.{name}"], buffer, buffer.is_floating_point());
    }

    private void Release(TrainingState state)
    {
        state.AveragedWeights = null;
        _trained?.Dispose();
        _trained = null;
        _average?.Dispose();
        _average = null;
        _live = [];
    }
}
