using System.Globalization;
using MLExtensions.Diagnostics;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>One layer's gradient at a sampled step.</summary>
/// <param name="Step">Optimizer steps taken before this one (<see cref="TrainingState.GlobalStep"/>).</param>
/// <param name="Layer">The module that owns the parameters, e.g. "features.conv1".</param>
/// <param name="GradientNorm">L2 norm of the layer's gradients (all its trainable parameters together).</param>
/// <param name="WeightNorm">L2 norm of the layer's parameters before the step.</param>
/// <param name="UpdateRatio">‖parameters after the step − before‖ / ‖before‖ (about 1e-3 is the usual healthy size).</param>
public sealed record GradientSample(long Step, string Layer, double GradientNorm, double WeightNorm, double UpdateRatio);

/// <summary>
/// Watches per-layer gradients (training checklist §9, vanishing/exploding gradients): every
/// <see cref="EverySteps"/> optimizer steps it records each trainable layer's gradient norm, weight norm and
/// update/weight ratio (<see cref="Samples"/>), logs them, and warns once per layer when its gradient vanishes
/// (norm below <see cref="VanishingNorm"/>, or below <see cref="VanishingFraction"/> of the largest layer's) or
/// explodes (norm above <see cref="ExplodingNorm"/>, or not finite). Add it to <c>Options.Callbacks</c>.
/// </summary>
public sealed class GradientHealthMonitor : TrainingCallback
{
    private readonly List<GradientSample> _samples = [];
    private readonly List<string> _warnings = [];
    private readonly HashSet<(string Layer, string Kind)> _warned = [];
    private Dictionary<string, Tensor>? _before;
    private Dictionary<string, (double Gradient, double Weight)>? _pending;
    private long _step;

    /// <summary>Sample every this many optimizer steps (the first step is always sampled).</summary>
    public int EverySteps { get; init; } = 50;

    /// <summary>A layer gradient norm below this counts as vanished.</summary>
    public double VanishingNorm { get; init; } = 1e-8;

    /// <summary>A layer gradient norm below this fraction of the largest layer's counts as vanished.</summary>
    public double VanishingFraction { get; init; } = 1e-6;

    /// <summary>
    /// A layer gradient norm above this counts as exploded (the loss is a batch mean, so healthy norms are far
    /// smaller).
    /// </summary>
    public double ExplodingNorm { get; init; } = 100;

    /// <summary>The per-layer gradient and update statistics recorded so far, in step order.</summary>
    public IReadOnlyList<GradientSample> Samples => _samples;

    /// <summary>The warnings given, in order (also written to the MLContext log).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <inheritdoc />
    public override void OnFitBegin(TrainingState state)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(EverySteps, 1);
        _samples.Clear();
        _warnings.Clear();
        _warned.Clear();
        Release();
    }

    /// <inheritdoc />
    public override void OnBackward(TrainingState state)
    {
        if (state.GlobalStep % EverySteps != 0)
            return;
        Release();
        _step = state.GlobalStep;
        _pending = [];
        _before = [];
        using var noGrad = no_grad();
        foreach (var (layer, parameters) in LayerGradients.Of(state.Network))
        {
            _pending[layer] = (Norm(parameters.Select(p => p.grad!)), Norm(parameters));
            _before[layer] = cat(parameters.Select(p => p.detach().flatten()).ToArray()).DetachFromDisposeScope();
        }
        CheckGradients(state);
    }

    /// <inheritdoc />
    public override void OnStep(TrainingState state)
    {
        if (_pending is null || _before is null)
            return;
        using var noGrad = no_grad();
        var lines = new List<string>();
        foreach (var (layer, parameters) in LayerGradients.Of(state.Network))
        {
            if (!_pending.TryGetValue(layer, out var norms) || !_before.TryGetValue(layer, out var before))
                continue;
            using var scope = NewDisposeScope();
            var after = cat(parameters.Select(p => p.detach().flatten()).ToArray());
            double ratio = (after - before).norm().item<float>() / Math.Max(norms.Weight, 1e-12);
            _samples.Add(new GradientSample(_step, layer, norms.Gradient, norms.Weight, ratio));
            lines.Add($"{layer} {G(norms.Gradient)} (update/weight {G(ratio)})");
        }
        state.Log($"gradient norms at step {_step + 1}: {string.Join(", ", lines)}.");
        Release();
    }

    /// <inheritdoc />
    public override void OnFitEnd(TrainingState state) => Release();

    private void CheckGradients(TrainingState state)
    {
        double largest = _pending!.Values.Select(v => v.Gradient).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        foreach (var (layer, (gradient, _)) in _pending)
        {
            if (!double.IsFinite(gradient) || gradient > ExplodingNorm)
                Warn(state, layer, "exploding", $"the gradient of {layer} is exploding: norm {G(gradient)} at step {state.GlobalStep + 1} (above {G(ExplodingNorm)}). " +
                    "Check its initialisation (Kaiming for ReLU), add normalization, lower the learning rate, or clip gradients.");
            else if (gradient < VanishingNorm || gradient < VanishingFraction * largest)
                Warn(state, layer, "vanishing", $"the gradient of {layer} is vanishing: norm {G(gradient)} at step {state.GlobalStep + 1} (largest layer {G(largest)}). " +
                    "Check its initialisation, dead ReLUs (try LeakyReLU), or add normalization and residual connections.");
        }
    }

    private void Warn(TrainingState state, string layer, string kind, string message)
    {
        if (!_warned.Add((layer, kind)))
            return;
        _warnings.Add(message);
        state.Warn(message);
    }

    private static double Norm(IEnumerable<Tensor> tensors) => Math.Sqrt(LayerGradients.SquaredNorm(tensors));

    private static string G(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private void Release()
    {
        if (_before is not null)
            foreach (var tensor in _before.Values)
                tensor.Dispose();
        _before = null;
        _pending = null;
    }
}
