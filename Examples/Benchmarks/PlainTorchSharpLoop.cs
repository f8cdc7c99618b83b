using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Benchmarks;

/// <summary>
/// The reference: the same small network and training recipe as ImageCnn's SimpleConvNet, written directly against
/// TorchSharp with no ML.NET around it.
/// </summary>
internal static class PlainTorchSharpLoop
{
    internal static Module<Tensor, Tensor> Network(double dropout) => Sequential(
        ("conv1", Conv2d(1, 32, 3, padding: 1, bias: false)), ("norm1", BatchNorm2d(32)), ("act1", ReLU()), ("pool1", MaxPool2d(2)),
        ("conv2", Conv2d(32, 64, 3, padding: 1, bias: false)), ("norm2", BatchNorm2d(64)), ("act2", ReLU()), ("pool2", MaxPool2d(2)),
        ("flatten", Flatten()), ("hidden", Linear(64 * 7 * 7, 128)), ("act3", ReLU()), ("dropout", Dropout(dropout)), ("output", Linear(128, 10)));

    /// <summary>Trains on images already in memory (N×784 in [0,1]); returns the network and the seconds it took.</summary>
    internal static (Module<Tensor, Tensor> Network, double Seconds) Train(float[] images, long[] labels, int epochs, int batchSize, double lr, double dropout, int seed)
    {
        var clock = Stopwatch.StartNew();
        random.manual_seed(seed);
        var net = Network(dropout);
        using (no_grad())
            foreach (var (name, p) in net.named_parameters())
                if (p.dim() > 1)
                    init.kaiming_normal_(p, nonlinearity: init.NonlinearityType.ReLU);
                else if (name.EndsWith("bias") && !name.StartsWith("norm"))
                    init.zeros_(p);
        int n = labels.Length;
        using var x = tensor(images, [n, 1, 28, 28]);
        using var mean = x.mean([0], keepdim: true);
        using var centred = x - mean;
        using var y = tensor(labels);
        using var optimizer = optim.Adam(net.parameters(), lr);
        var shuffle = new Random(seed);
        var order = Enumerable.Range(0, n).ToArray();
        net.train();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            shuffle.Shuffle(order);
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, n - start);
                var index = tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                var logits = net.forward(centred.index_select(0, index));
                var loss = functional.cross_entropy(logits, y.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        net.eval();
        MeanImage = mean.clone().DetachFromDisposeScope();
        return (net, clock.Elapsed.TotalSeconds);
    }

    internal static Tensor? MeanImage { get; private set; }

    /// <summary>Class probabilities of images in memory, in batches, with no ML.NET involved.</summary>
    internal static (float[] Probabilities, double Seconds) Predict(Module<Tensor, Tensor> net, float[] images, int batchSize, Tensor? mean)
    {
        var clock = Stopwatch.StartNew();
        int n = images.Length / 784;
        var result = new float[n * 10];
        net.eval();
        using var noGrad = no_grad();
        for (int start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, n - start);
            var batch = tensor(images.AsSpan(start * 784, count * 784).ToArray(), [count, 1, 28, 28]);
            if (mean is not null)
                batch = batch - mean;
            net.forward(batch).softmax(1).data<float>().CopyTo(result.AsSpan(start * 10, count * 10));
        }
        return (result, clock.Elapsed.TotalSeconds);
    }
}
