using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Class probabilities for batches of images from a trained network, in evaluation mode.</summary>
internal sealed class CnnScorer
{
    private readonly object _gate = new();

    internal CnnScorer(nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, int classes)
    {
        Module = module;
        Device = device;
        Shape = shape;
        Classes = classes;
        Module.eval();
    }

    internal nn.Module<Tensor, Tensor> Module { get; }
    internal Device Device { get; }
    internal ImageShape Shape { get; }
    internal int Classes { get; }

    /// <summary>Writes <paramref name="count"/>×Classes probabilities for the first <paramref name="count"/> images of <paramref name="images"/>.</summary>
    internal void Score(float[] images, int count, float[] probabilities)
    {
        var input = images.Length == count * Shape.Size ? images : images.AsSpan(0, count * Shape.Size).ToArray();
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var batch = tensor(input, [count, Shape.Channels, Shape.Height, Shape.Width]).to(Device);
            var result = Module.forward(batch).softmax(1).cpu();
            result.data<float>().CopyTo(probabilities.AsSpan(0, count * Classes));
        }
    }
}
