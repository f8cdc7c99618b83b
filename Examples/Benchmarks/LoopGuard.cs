namespace Benchmarks;

/// <summary>
/// CI's speed regression guard: ImageCnn (with everything the library sets when it loads) against a plain TorchSharp
/// loop of the same network, for SimpleConvNet and ResNet-20, each run a fresh process, alternated, the fastest run of
/// each loop compared. It fails when ImageCnn trains below <see cref="MinimumRatio"/> of the plain loop.
/// </summary>
/// <remarks>
/// The reference loop runs in its own process, with the fastest allocator settings measured on this kind of machine
/// written out here as glibc tunables (not read from the library), so that a slower library default shows as a lower
/// ratio instead of slowing the reference with it. On request the same loop also runs under TorchSharp's and glibc's
/// own defaults, for information: it is what a hand-written loop gets without tuning. The fastest run, not the median,
/// because on a shared 2-core machine interference only ever slows a run: medians of three swung ±10 % between
/// guard runs of the same build (ResNet-20 at 0.90× in one, 0.98× by fastest runs in the same data).
/// </remarks>
internal static class LoopGuard
{
    internal const double MinimumRatio = 0.9;

    /// <summary>Runs the comparison, prints the table and one verdict line per workload; returns the number of workloads below the minimum.</summary>
    /// <param name="withUntunedLoop">Also measure the plain loop under TorchSharp's and glibc's defaults (slow: not in CI).</param>
    internal static int Run(int repeats, bool withUntunedLoop)
    {
        var loops = new List<(string Name, string Loop, MallocSetting Setting)>
        {
            ("ImageCnn (library defaults)", SpeedChild.Pipeline, MallocSetting.Library),
            ("plain TorchSharp loop, tuned allocator", SpeedChild.PlainLoop, MallocSetting.FastestMeasured),
        };
        if (withUntunedLoop)
            loops.Add(("plain TorchSharp loop, TorchSharp defaults", SpeedChild.PlainLoop, MallocSetting.PlainTorchSharp));
        int failures = 0;
        foreach (var workload in new[] { SpeedWorkload.Named("simple"), SpeedWorkload.Named("resnet20") })
        {
            var runs = loops.ToDictionary(l => l.Name, _ => new List<SpeedMeasurement>());
            for (int repeat = 0; repeat < repeats; repeat++)
                for (int k = 0; k < loops.Count; k++)
                {
                    var (name, loop, setting) = loops[(k + repeat) % loops.Count];
                    runs[name].Add(SpeedMeasurement.Parse(ChildProcess.Run($"{workload.Name}, {name}", SpeedChild.Arguments(workload, loop), setting.Environment, echo: false)));
                }
            failures += Report(workload, loops.Select(l => l.Name).ToArray(), runs, repeats) ? 0 : 1;
        }
        return failures;
    }

    private static bool Report(SpeedWorkload workload, string[] names, Dictionary<string, List<SpeedMeasurement>> runs, int repeats)
    {
        double Training(string name) => runs[name].Max(m => m.TrainingImagesPerSecond);
        double Inference(string name) => runs[name].Max(m => m.InferenceImagesPerSecond);
        Console.WriteLine();
        Console.WriteLine($"{workload.Description}: {workload.MeasuredBatches} batches after {workload.WarmupBatches}; fastest of {repeats} runs (median, every run)");
        Console.WriteLine("| loop | fastest training images/s | fastest inference images/s | training (median, runs) | inference (median, runs) | ImageCnn's training ratio | ImageCnn's inference ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var name in names)
            Console.WriteLine($"| {name} | {Training(name):F0} | {Inference(name):F0} | {AllocatorBenchmark.Cell(runs[name], m => m.TrainingImagesPerSecond, "F0")} | " +
                              $"{AllocatorBenchmark.Cell(runs[name], m => m.InferenceImagesPerSecond, "F0")} | " +
                              $"{Training(names[0]) / Training(name):F2} | {Inference(names[0]) / Inference(name):F2} |");
        double ratio = Training(names[0]) / Training(names[1]);
        bool passed = ratio >= MinimumRatio;
        Console.WriteLine($"Speed guard, {workload.Name}: ImageCnn trains at {ratio:F2}× the tuned plain TorchSharp loop " +
                          $"(minimum {MinimumRatio:F2}): {(passed ? "passed" : "FAILED")}");
        return passed;
    }
}
