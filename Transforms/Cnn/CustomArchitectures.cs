using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// User-defined networks for <see cref="CnnArchitecture.Custom"/>. A factory receives the input image shape and
/// the class count and returns a module mapping a batch [N,C,H,W] to logits [N,classes]. A saved model stores
/// only the factory's name and the weights, so register the same factory before loading such a model.
/// </summary>
public static class CustomArchitectures
{
    private static readonly ConcurrentDictionary<string, Func<ImageShape, int, nn.Module<Tensor, Tensor>>> Factories = new();

    /// <summary>
    /// Registers (or replaces) the factory for <paramref name="name"/>; call it before training or loading a model that
    /// uses it.
    /// </summary>
    /// <param name="name">The name saved in the model (<c>ImageCnnTrainer.Options.CustomArchitectureName</c>).</param>
    /// <param name="factory">Builds the network from the input image shape and the class count.</param>
    public static void Register(string name, Func<ImageShape, int, nn.Module<Tensor, Tensor>> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Factories[name] = factory;
    }

    internal static Func<ImageShape, int, nn.Module<Tensor, Tensor>> Get(string? name)
        => name is not null && Factories.TryGetValue(name, out var factory) ? factory
            : throw new InvalidOperationException(
                $"No custom architecture is registered under the name '{name}'. Call CustomArchitectures.Register(\"{name}\", factory) " +
                "with the factory the model was trained with before loading or training it.");
}
