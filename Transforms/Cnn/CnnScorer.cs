using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Class probabilities for batches of images from a trained network, in evaluation mode.</summary>
internal sealed class CnnScorer
{
    private readonly object _gate = new();

    private const float CropFraction = 0.875f;

    // On the CPU, a pass over 256 images of 224×224 runs at half the images/s of 8 (ResNet-18: 22 against 47 on 2
    // cores): its activations no longer stay in cache. Batches are capped at about this many pixels per channel.
    private const int CpuPixelsPerPass = 1 << 19;
    private const int MinimumCpuRowsPerPass = 8;

    internal CnnScorer(nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, int classes, TestTimeAugmentation views)
    {
        Module = module;
        Device = device;
        Shape = shape;
        Classes = classes;
        Views = views;
        Module.eval();
    }

    internal TestTimeAugmentation Views { get; }

    internal nn.Module<Tensor, Tensor> Module { get; }
    internal Device Device { get; }
    internal ImageShape Shape { get; }
    internal int Classes { get; }

    /// <summary>
    /// Images per forward pass: <paramref name="requested"/>, and on the CPU at most the largest power of two whose
    /// images hold <see cref="CpuPixelsPerPass"/> pixels (256 for 28×28, 32 for 128×128, 8 for 224×224).
    /// </summary>
    internal int RowsPerPass(int requested)
    {
        if (Device.type != DeviceType.CPU)
            return requested;
        int fitting = Math.Max(MinimumCpuRowsPerPass, CpuPixelsPerPass / Shape.PlaneSize);
        return Math.Min(requested, 1 << (31 - System.Numerics.BitOperations.LeadingZeroCount((uint)fitting)));
    }

    /// <summary>
    /// Stops this scorer for good, waiting for a forward pass in progress on another thread to finish, then runs
    /// <paramref name="release"/> (which may free the network): a later <see cref="Score"/> throws
    /// <see cref="ObjectDisposedException"/> instead of reaching freed native memory.
    /// </summary>
    internal void Retire(Action release)
    {
        lock (_gate)
        {
            if (_retired)
                return;
            _retired = true;
        }
        release();
    }

    private bool _retired;

    /// <summary>Writes <paramref name="count"/>×Classes probabilities for the first <paramref name="count"/> images of <paramref name="images"/>.</summary>
    internal void Score(float[] images, int count, float[] probabilities)
    {
        var input = images.Length == count * Shape.Size ? images : images.AsSpan(0, count * Shape.Size).ToArray();
        lock (_gate)
        {
            if (_retired)
                throw new ObjectDisposedException(nameof(ImageCnnTransformer), "This ImageCnn model was disposed while it was scoring, or before; load it again (mlContext.Model.Load) to score with it.");
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var batch = tensor(input, [count, Shape.Channels, Shape.Height, Shape.Width]).to(Device);
            var result = Probabilities(batch).cpu();
            result.data<float>().CopyTo(probabilities.AsSpan(0, count * Classes));
        }
    }

    // The mean of the class probabilities over the views (a mean of distributions, not of logits).
    private Tensor Probabilities(Tensor batch)
    {
        Tensor Predict(Tensor images) => Module.forward(images).softmax(1);
        Tensor PredictWithMirror(Tensor images) => Predict(images) + Predict(images.flip(3));
        switch (Views)
        {
            case TestTimeAugmentation.None:
                return Predict(batch);
            case TestTimeAugmentation.HorizontalFlip:
                return PredictWithMirror(batch) / 2;
            case TestTimeAugmentation.TenCrop:
                var sum = zeros(batch.shape[0], Classes, device: batch.device);
                float offset = 1 - CropFraction;
                foreach (var (x, y) in new[] { (-offset, -offset), (offset, -offset), (-offset, offset), (offset, offset), (0f, 0f) })
                {
                    var theta = Enumerable.Range(0, (int)batch.shape[0]).SelectMany(_ => new[] { CropFraction, 0, x, 0, CropFraction, y }).ToArray();
                    sum += PredictWithMirror(Augmentation.AffineWarp.Apply(batch, theta, AugmentationPadding.Zero));
                }
                return sum / 10;
            default:
                throw new InvalidOperationException($"Unknown test-time augmentation {Views}.");
        }
    }
}
