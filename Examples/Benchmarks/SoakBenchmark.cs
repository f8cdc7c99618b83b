using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// Long uptime in one process: rounds of a Fit on the embedded subset plus 10,000 single predictions
/// through a PredictionEngine, 20 rounds (200,000 predictions) after a warm-up round; the resident set after each round
/// against the one after warm-up; and PredictionEngine's single-image latency against a raw TorchSharp forward of one
/// image through the same network.
/// </summary>
internal static class SoakBenchmark
{
    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }

    internal static void Run(MLContext ml, int rounds, int predictionsPerRound)
    {
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var images = ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).ToArray();
        var options = new ImageCnnTrainer.Options { Epochs = 1, Seed = 1, Device = ComputeDevice.Cpu };

        ImageCnnTransformer Round(List<double>? latencies)
        {
            var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train);
            var engine = ml.Model.CreatePredictionEngine<FashionMnistImage, Prediction>(model);
            var clock = new Stopwatch();
            for (int i = 0; i < predictionsPerRound; i++)
            {
                clock.Restart();
                engine.Predict(images[i % images.Length]);
                latencies?.Add(clock.Elapsed.TotalMilliseconds);
            }
            engine.Dispose();
            return model;
        }

        var warm = Round(null);
        GC.Collect();
        long warmRss = Rss();
        Console.WriteLine($"after warm-up: RSS {warmRss / 1e6:F0} MB");
        var latencies = new List<double>();
        var total = Stopwatch.StartNew();
        long lastRss = warmRss;
        for (int round = 1; round <= rounds; round++)
        {
            Round(round == rounds ? latencies : null);
            GC.Collect();
            lastRss = Rss();
            Console.WriteLine($"round {round,2}: fit + {predictionsPerRound:N0} predictions, RSS {lastRss / 1e6:F0} MB ({(lastRss - warmRss) * 100.0 / warmRss:+0.0;-0.0} %), {total.Elapsed.TotalSeconds:F0} s");
        }
        var raw = RawForward(warm, images, predictionsPerRound);
        Console.WriteLine();
        Console.WriteLine($"| measurement | value |");
        Console.WriteLine($"| --- | ---: |");
        Console.WriteLine($"| rounds (Fit + {predictionsPerRound:N0} PredictionEngine calls each) | {rounds} ({rounds * predictionsPerRound:N0} predictions) |");
        Console.WriteLine($"| RSS after warm-up → after the last round | {warmRss / 1e6:F0} MB → {lastRss / 1e6:F0} MB ({(lastRss - warmRss) * 100.0 / warmRss:+0.0;-0.0} %, target < +5 %) |");
        Console.WriteLine($"| PredictionEngine latency, median / p99 | {Percentile(latencies, 0.5):F3} / {Percentile(latencies, 0.99):F3} ms |");
        Console.WriteLine($"| raw TorchSharp forward of one image, median / p99 | {Percentile(raw, 0.5):F3} / {Percentile(raw, 0.99):F3} ms |");
        Console.WriteLine($"| PredictionEngine / raw, median | {Percentile(latencies, 0.5) / Percentile(raw, 0.5):F2} |");
    }

    /// <summary>
    /// Fit + Dispose, <paramref name="cycles"/> times in one process (a service retraining a model now and then): the
    /// resident set after each cycle, and its growth from the second cycle (the first loads libtorch and JITs) to the
    /// last. With <paramref name="fullCollections"/>, a full GC after each cycle shows what is really kept; without,
    /// the process runs as a service would.
    /// </summary>
    internal static void RunFitDisposeCycles(MLContext ml, int cycles, bool fullCollections)
    {
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var train = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train).Transform(data.Train));
        var options = new ImageCnnTrainer.Options { Epochs = 1, Seed = 1, Device = ComputeDevice.Cpu };
        var rss = new List<long>();
        var total = Stopwatch.StartNew();
        for (int cycle = 1; cycle <= cycles; cycle++)
        {
            ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train).Dispose();
            if (fullCollections)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }
            rss.Add(Rss());
            Console.WriteLine($"cycle {cycle,2}: Fit + Dispose, RSS {rss[^1] / 1e6:F1} MB, {total.Elapsed.TotalSeconds:F0} s");
        }
        Console.WriteLine();
        Console.WriteLine("| measurement | value |");
        Console.WriteLine("| --- | ---: |");
        Console.WriteLine($"| cycles: Fit (embedded subset, 1 epoch) + Dispose, {(fullCollections ? "a full GC after each" : "no forced GC")} | {cycles} |");
        Console.WriteLine($"| RSS after cycle 1 / 2 / {cycles} | {rss[0] / 1e6:F1} / {rss[1] / 1e6:F1} / {rss[^1] / 1e6:F1} MB |");
        Console.WriteLine($"| growth from cycle 2 to cycle {cycles} (target < +1 %) | {(rss[^1] - rss[1]) * 100.0 / rss[1]:+0.00;-0.00} % ({(rss[^1] - rss[1]) / 1e6 / (cycles - 2):+0.00;-0.00} MB per cycle) |");
    }

    // The same network, one image at a time, as a TorchSharp user would run it.
    private static List<double> RawForward(ImageCnnTransformer model, FashionMnistImage[] images, int count)
    {
        var network = model.Network;
        var times = new List<double>(count);
        var clock = new Stopwatch();
        using var noGrad = no_grad();
        for (int i = 0; i < count; i++)
        {
            clock.Restart();
            using var scope = NewDisposeScope();
            var input = tensor(images[i % images.Length].Features, [1, 1, 28, 28]);
            var probabilities = network.forward(input).softmax(1).data<float>().ToArray();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    private static long Rss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
