namespace Benchmarks;

/// <summary>
/// Every speed workload under several allocator settings, each run in a fresh child process, the settings' order
/// rotated from one repeat to the next so that none always runs first; prints medians and every run.
/// </summary>
internal static class AllocatorBenchmark
{
    internal static void Run(IReadOnlyList<SpeedWorkload> workloads, IReadOnlyList<MallocSetting> settings, int repeats)
    {
        var runs = new Dictionary<(string, string), List<SpeedMeasurement>>();
        for (int repeat = 0; repeat < repeats; repeat++)
            foreach (var workload in workloads)
                for (int k = 0; k < settings.Count; k++)
                {
                    var setting = settings[(k + repeat) % settings.Count];
                    var measured = SpeedMeasurement.Parse(ChildProcess.Run($"{workload.Name}, {setting.Name}",
                        SpeedChild.Arguments(workload, SpeedChild.Pipeline), setting.Environment));
                    Console.WriteLine($"  {workload.Name}, {setting.Name}, run {repeat + 1}: {Describe(measured)}");
                    runs.TryAdd((workload.Name, setting.Name), []);
                    runs[(workload.Name, setting.Name)].Add(measured);
                }

        foreach (var workload in workloads)
        {
            Console.WriteLine();
            Console.WriteLine($"{workload.Description}: {workload.MeasuredBatches} measured batches after {workload.WarmupBatches}, {workload.InferenceImages} images scored; median of {repeats} (every run)");
            Console.WriteLine("| malloc setting | training images/s | inference images/s | minor faults per step | kernel CPU s per step | peak RSS MB |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var setting in settings)
            {
                var r = runs[(workload.Name, setting.Name)];
                Console.WriteLine($"| {setting.Name} | {Cell(r, m => m.TrainingImagesPerSecond, "F0")} | {Cell(r, m => m.InferenceImagesPerSecond, "F0")} | " +
                                  $"{Cell(r, m => m.FaultsPerStep, "F0")} | {Cell(r, m => m.SystemSecondsPerStep, "F3")} | {Cell(r, m => m.PeakRssMegabytes, "F0")} |");
            }
        }
    }

    private static string Describe(SpeedMeasurement m)
        => $"train {m.TrainingImagesPerSecond:F0} img/s, score {m.InferenceImagesPerSecond:F0} img/s, {m.FaultsPerStep:F0} faults/step, " +
           $"sys {m.SystemSecondsPerStep:F3} s/step, peak RSS {m.PeakRssMegabytes:F0} MB";

    /// <summary>The median, then every run in the order measured.</summary>
    internal static string Cell(IReadOnlyList<SpeedMeasurement> runs, Func<SpeedMeasurement, double> value, string format)
        => $"{Median(runs.Select(value)).ToString(format)} ({string.Join(", ", runs.Select(r => value(r).ToString(format)))})";

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
