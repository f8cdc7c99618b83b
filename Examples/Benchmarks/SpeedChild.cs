using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;
using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// The child process of the speed benchmarks: trains one <see cref="SpeedWorkload"/> with MLExtensions or with a
/// plain TorchSharp loop, scores, and prints one RESULT line (a <see cref="SpeedMeasurement"/>).
/// </summary>
internal static class SpeedChild
{
    internal const string Argument = "--speed-child";
    internal const string PlainLoop = "plain", Pipeline = "mlextensions";

    internal static IEnumerable<string> Arguments(SpeedWorkload workload, string loop) => [Argument, workload.Name, loop];

    internal static void Run(string workloadName, string loop)
    {
        var workload = SpeedWorkload.Named(workloadName);
        var measurement = loop switch
        {
            Pipeline => WithMLExtensions(workload),
            PlainLoop => WithPlainTorchSharp(workload),
            _ => throw new ArgumentException($"Unknown loop '{loop}'; use {Pipeline} or {PlainLoop}."),
        };
        Console.WriteLine(ChildProcess.ResultPrefix + measurement.Serialize());
    }

    private static SpeedMeasurement WithMLExtensions(SpeedWorkload workload)
    {
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { if (Environment.GetEnvironmentVariable("SPEED_LOG") == "1" && e.Kind >= Microsoft.ML.Runtime.ChannelMessageKind.Info) Console.WriteLine(e.Message); };
        var window = new SpeedMeasurement.Window(workload.WarmupBatches, workload.MeasuredBatches);
        var training = RandomImages.Create(ml, workload.TrainingImages, workload.Shape, workload.Classes, seed: 1);
        var model = workload.Trainer(ml.MulticlassClassification.Trainers, [new SpeedMeasurement.WindowCallback(window)]).Fit(training);

        var scoring = ml.Data.Cache(RandomImages.Create(ml, workload.InferenceImages, workload.Shape, workload.Classes, seed: 2, labelled: false));
        RandomImages.Consume(scoring, "Features");
        double inference = MedianRate(workload.InferenceImages, () => RandomImages.Consume(model.Transform(scoring)));
        return window.Result(workload.BatchSize, inference, MultiplyAdds.PerImage(model.Network, workload.Shape));
    }

    // What a user who writes the loop by hand runs: the same network and optimizer, the images already a tensor,
    // a shuffled batch per step, the loss read every step; scoring in batches without gradients.
    private static SpeedMeasurement WithPlainTorchSharp(SpeedWorkload workload)
    {
        if (workload.PlainNetwork is not { } description || workload.PlainOptimizer is not { } makeOptimizer)
            throw new ArgumentException($"Workload '{workload.Name}' has no plain TorchSharp loop.");
        random.manual_seed(1);
        using var network = NetworkFactory.Create(description);
        using var optimizer = makeOptimizer(network.parameters());
        int count = workload.TrainingImages, batch = workload.BatchSize;
        var shape = new long[] { workload.Shape.Channels, workload.Shape.Height, workload.Shape.Width };
        using var images = rand([count, .. shape]);
        using var labels = randint(workload.Classes, [count], dtype: int64);
        var window = new SpeedMeasurement.Window(workload.WarmupBatches, workload.MeasuredBatches);
        network.train();
        using (var order = randperm(count))
            for (int start = 0; start + batch <= count; start += batch)
            {
                using var scope = NewDisposeScope();
                var index = order.narrow(0, start, batch);
                var loss = nn.functional.cross_entropy(network.forward(images.index_select(0, index)), labels.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
                window.StepDone();
            }

        network.eval();
        using var scoring = rand([workload.InferenceImages, .. shape]);
        double inference = MedianRate(workload.InferenceImages, () => Score(network, scoring, workload.Classes, ImageCnnTransformer.DefaultInferenceBatchSize));
        return window.Result(batch, inference, MultiplyAdds.PerImage(network, workload.Shape));
    }

    private static void Score(nn.Module<Tensor, Tensor> network, Tensor images, int classes, int batch)
    {
        using var noGrad = no_grad();
        var probabilities = new float[images.shape[0] * classes];
        for (long start = 0; start < images.shape[0]; start += batch)
        {
            using var scope = NewDisposeScope();
            var scores = network.forward(images.narrow(0, start, Math.Min(batch, images.shape[0] - start))).softmax(1);
            scores.data<float>().CopyTo(probabilities.AsSpan((int)start * classes));
        }
    }

    /// <summary>Images per second of <paramref name="pass"/>: one warm-up, then the median of three.</summary>
    private static double MedianRate(int images, Action pass)
    {
        pass();
        var seconds = Enumerable.Range(0, 3).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            pass();
            return clock.Elapsed.TotalSeconds;
        }).Order().ToArray();
        return images / seconds[1];
    }
}
