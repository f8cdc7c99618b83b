using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// libtorch's intra-op threads against training speed, batch scoring and single-image prediction latency (a
/// PredictionEngine call, as a web service makes one per request), each thread count in a fresh process.
/// </summary>
internal static class ThreadsBenchmark
{
    internal const string ChildArgument = "--threads-child";
    private const int Predictions = 2000, WarmupPredictions = 200;

    internal static void Run(IReadOnlyList<SpeedWorkload> workloads, int[] threadCounts, int repeats)
    {
        Console.WriteLine($"| workload | intra-op threads | training images/s | batch scoring images/s | single-image p50 ms | p90 ms | p99 ms | max ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var workload in workloads)
        {
            var runs = threadCounts.ToDictionary(t => t, _ => new List<double[]>());
            for (int repeat = 0; repeat < repeats; repeat++)
                foreach (int threads in repeat % 2 == 0 ? threadCounts : threadCounts.Reverse())
                    runs[threads].Add(ChildProcess.Run($"{workload.Name}, {threads} threads", [ChildArgument, workload.Name, threads.ToString()],
                        MallocSetting.Library.Environment, echo: false).Split('|').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray());
            foreach (int threads in threadCounts)
            {
                string Column(int i, string format) => AllocatorBenchmark.Median(runs[threads].Select(r => r[i])).ToString(format);
                Console.WriteLine($"| {workload.Name} | {threads} | {Column(0, "F0")} | {Column(1, "F0")} | {Column(2, "F2")} | {Column(3, "F2")} | {Column(4, "F2")} | {Column(5, "F1")} |");
            }
        }
    }

    private sealed class Image
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class Scores
    {
        public float[] Score { get; set; } = [];
    }

    /// <summary>The child: with <paramref name="threads"/> intra-op threads, trains, scores in batches, then times single-image predictions.</summary>
    internal static void RunChild(string workloadName, int threads)
    {
        set_num_threads(threads);
        var workload = SpeedWorkload.Named(workloadName);
        var ml = new MLContext(seed: 1);
        var window = new SpeedMeasurement.Window(workload.WarmupBatches, workload.MeasuredBatches);
        var model = workload.Trainer(ml.MulticlassClassification.Trainers, [new SpeedMeasurement.WindowCallback(window)])
            .Fit(RandomImages.Create(ml, workload.TrainingImages, workload.Shape, workload.Classes, seed: 1));
        var scoring = ml.Data.Cache(RandomImages.Create(ml, workload.InferenceImages, workload.Shape, workload.Classes, seed: 2, labelled: false));
        RandomImages.Consume(scoring, "Features");
        RandomImages.Consume(model.Transform(scoring));
        var clock = Stopwatch.StartNew();
        RandomImages.Consume(model.Transform(scoring));
        double batchRate = workload.InferenceImages / clock.Elapsed.TotalSeconds;
        var latencies = SingleImageLatencies(ml, model, workload.Shape);
        double Percentile(double p) => latencies[(int)Math.Min(latencies.Length - 1, Math.Floor(p * latencies.Length))];
        var measured = window.Result(workload.BatchSize, batchRate, 0);
        Console.WriteLine(ChildProcess.ResultPrefix + string.Join('|', new[] { measured.TrainingImagesPerSecond, batchRate,
            Percentile(0.5), Percentile(0.9), Percentile(0.99), latencies[^1] }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }

    /// <summary>Milliseconds of each PredictionEngine call, sorted.</summary>
    private static double[] SingleImageLatencies(MLContext ml, ITransformer model, ImageShape shape)
    {
        var schema = SchemaDefinition.Create(typeof(Image));
        schema[nameof(Image.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, shape.Channels, shape.Height, shape.Width);
        using var engine = ml.Model.CreatePredictionEngine<Image, Scores>(model, inputSchemaDefinition: schema);
        var random = new Random(3);
        var images = Enumerable.Range(0, 16).Select(_ => new Image { Features = Enumerable.Range(0, shape.Size).Select(_ => random.NextSingle()).ToArray() }).ToArray();
        var latencies = new double[Predictions];
        for (int i = -WarmupPredictions; i < Predictions; i++)
        {
            var clock = Stopwatch.StartNew();
            engine.Predict(images[(i + WarmupPredictions) % images.Length]);
            if (i >= 0)
                latencies[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(latencies);
        return latencies;
    }
}
