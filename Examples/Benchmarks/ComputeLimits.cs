using System.Diagnostics;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// How close training and scoring come to what this CPU can compute: libtorch's best rate on large matrix products
/// and convolutions (float32 and bfloat16), against each workload's rate of useful arithmetic (its multiply-adds per
/// image times the images per second; training counted as three forward passes).
/// </summary>
internal static class ComputeLimits
{
    private const double FlopsPerMultiplyAdd = 2, TrainingPasses = 3;

    internal static void Run(IReadOnlyList<SpeedWorkload> workloads, int repeats)
    {
        var peaks = new Dictionary<ScalarType, double>();
        Console.WriteLine("| kernel | float32 GFLOP/s | bfloat16 GFLOP/s |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var (name, rate) in Kernels())
        {
            double single = rate(ScalarType.Float32), brain = rate(ScalarType.BFloat16);
            Console.WriteLine($"| {name} | {single:F0} | {brain:F0} |");
            peaks[ScalarType.Float32] = Math.Max(peaks.GetValueOrDefault(ScalarType.Float32), single);
            peaks[ScalarType.BFloat16] = Math.Max(peaks.GetValueOrDefault(ScalarType.BFloat16), brain);
        }

        Console.WriteLine();
        Console.WriteLine($"Each workload with the library's defaults, median of {repeats} fresh processes; achievable = the best kernel rate above for the precision it computes in.");
        Console.WriteLine("| workload | forward MMAC per image | training images/s | training GFLOP/s | % of achievable | inference images/s | inference GFLOP/s | % of achievable |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var workload in workloads)
        {
            var runs = Enumerable.Range(0, repeats).Select(_ => SpeedMeasurement.Parse(ChildProcess.Run(workload.Name,
                SpeedChild.Arguments(workload, SpeedChild.Pipeline), MallocSetting.Library.Environment, echo: false))).ToList();
            double macs = runs[0].MultiplyAddsPerImage;
            double training = AllocatorBenchmark.Median(runs.Select(r => r.TrainingImagesPerSecond));
            double inference = AllocatorBenchmark.Median(runs.Select(r => r.InferenceImagesPerSecond));
            double trainingGflops = training * macs * FlopsPerMultiplyAdd * TrainingPasses / 1e9;
            double inferenceGflops = inference * macs * FlopsPerMultiplyAdd * workload.ScoringPasses / 1e9;
            double trainingPeak = peaks[workload.TrainsInBFloat16 ? ScalarType.BFloat16 : ScalarType.Float32];
            Console.WriteLine($"| {workload.Name} | {macs / 1e6:F1} | {training:F0} | {trainingGflops:F1} | {100 * trainingGflops / trainingPeak:F0} % | " +
                              $"{inference:F0} | {inferenceGflops:F1} | {100 * inferenceGflops / peaks[ScalarType.Float32]:F0} % |");
        }
    }

    private static IEnumerable<(string Name, Func<ScalarType, double> GflopsPerSecond)> Kernels()
    {
        yield return ("matrix product 2048×2048 · 2048×2048", MatrixProduct);
        yield return ("convolution 3×3, 128→128 channels, 32 images of 28×28", Convolution);
    }

    private static double MatrixProduct(ScalarType type)
    {
        using var a = randn([2048, 2048], dtype: type);
        using var b = randn([2048, 2048], dtype: type);
        return BestRate(2.0 * 2048 * 2048 * 2048, () => a.matmul(b).Dispose());
    }

    private static double Convolution(ScalarType type)
    {
        using var input = randn([32, 128, 28, 28], dtype: type);
        using var weight = randn([128, 128, 3, 3], dtype: type);
        return BestRate(2.0 * 32 * 128 * 28 * 28 * 128 * 9, () => nn.functional.conv2d(input, weight, padding: [1, 1]).Dispose());
    }

    /// <summary>GFLOP/s of <paramref name="flops"/> per call: the fastest of ten calls after two warm-ups.</summary>
    private static double BestRate(double flops, Action call)
    {
        call();
        call();
        double fastest = double.MaxValue;
        for (int i = 0; i < 10; i++)
        {
            var clock = Stopwatch.StartNew();
            call();
            fastest = Math.Min(fastest, clock.Elapsed.TotalSeconds);
        }
        return flops / fastest / 1e9;
    }
}
