using System.Diagnostics;
using Examples.Shared;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// Training from a folder of colour JPEGs (real photos at real scale). Each variant runs in its own child
/// process so that its peak RSS is its own: ImageCnn for one epoch from the JPEG files with the default memory budget
/// (decoded once, then kept in memory or in the disk cache by the budget), and from the same images decoded
/// into memory (an unlimited budget), timing the epoch only. Images/s from files counts the decoding pass too.
/// </summary>
internal static class PhotoFolderBenchmark
{
    internal static void Run(MLContext ml, FashionMnistData data, int count, int size, int epochs, long budget)
    {
        var root = Path.Combine(Path.GetTempPath(), "mlextensions-photos");
        var folder = Path.Combine(root, $"train-{count}-{size}");
        Console.WriteLine($"Writing {count} colour {size}×{size} JPEGs made from Fashion-MNIST to {folder} (skipped when already there)…");
        int written = TintedFashionMnist.WriteFolder(ml, Concat(ml, data), folder, count, size, seed: 1);
        long jpegBytes = Directory.EnumerateFiles(folder, "*.jpg", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"{written} JPEGs, {jpegBytes / 1e6:F0} MB; as floats they would be {(double)written * 3 * size * size * 4 / 1e9:F1} GB.");

        var files = Child("files", folder, size, epochs, budget);
        var memory = Child("memory", folder, size, epochs, long.MaxValue);
        Console.WriteLine();
        Console.WriteLine($"| {written} JPEGs, {size}×{size}, {epochs} epoch(s) | from JPEG files (DataCacheBytes {budget / (1 << 20)} MiB) | pre-decoded in memory |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| where the images were kept | {files.Kept} | {memory.Kept} |");
        Console.WriteLine($"| peak RSS | {files.PeakGb:F2} GB | {memory.PeakGb:F2} GB |");
        Console.WriteLine($"| decoding pass | {files.DecodeSeconds:F0} s | {memory.DecodeSeconds:F0} s (not counted) |");
        Console.WriteLine($"| training epochs | {files.EpochSeconds:F0} s | {memory.EpochSeconds:F0} s |");
        Console.WriteLine($"| training images/s | {files.ImagesPerSecondFromFiles:F0} (decoding included) | {memory.ImagesPerSecond:F0} |");
        Console.WriteLine($"| ratio files ÷ memory | {files.ImagesPerSecondFromFiles / memory.ImagesPerSecond:F2} | |");
        Console.WriteLine($"| accuracy on the training images | {files.Accuracy:P2} | {memory.Accuracy:P2} |");
    }

    private static IDataView Concat(MLContext ml, FashionMnistData data)
        => ml.Data.LoadFromEnumerable(ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, false)
            .Concat(ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, false)));

    private sealed record ChildResult(string Kept, double PeakGb, double DecodeSeconds, double EpochSeconds, int Images, double Accuracy)
    {
        public double ImagesPerSecond => Images / EpochSeconds;
        public double ImagesPerSecondFromFiles => Images / (EpochSeconds + DecodeSeconds);
    }

    private static ChildResult Child(string variant, string folder, int size, int epochs, long budget)
    {
        var f = RunChildProcess(variant, ["--folder", folder, "--size", size.ToString(), "--epochs", epochs.ToString(),
            "--data-cache-mb", (budget == long.MaxValue ? -1 : budget >> 20).ToString()]).Split('|');
        return new ChildResult(f[0], double.Parse(f[1]), double.Parse(f[2]), double.Parse(f[3]), int.Parse(f[4]), double.Parse(f[5]));
    }

    /// <summary>Runs this program as a child with <c>--photos-child variant</c> and the arguments, echoes its output and returns its RESULT line.</summary>
    private static string RunChildProcess(string variant, string[] arguments)
        => ChildProcess.Run(variant, new[] { "--photos-child", variant }.Concat(arguments));

    /// <summary>
    /// Accuracy of the photo defaults: ImageCnn with default options (only the epochs, and the image column and size
    /// the encoded bytes need) on the training folder, tested on held-out photos made from Fashion-MNIST's test set;
    /// one child per seed (the MLContext's, from which the trainer draws its own).
    /// </summary>
    internal static void RunAccuracy(MLContext ml, FashionMnistData data, int count, int size, int epochs, int testCount, int[] seeds)
    {
        var root = Path.Combine(Path.GetTempPath(), "mlextensions-photos");
        var folder = Path.Combine(root, $"train-{count}-{size}");
        var testFolder = Path.Combine(root, $"test-{testCount}-{size}");
        TintedFashionMnist.WriteFolder(ml, data.Test, testFolder, testCount, size, seed: 2);
        var runs = seeds.Select(seed => RunChildProcess("accuracy", ["--folder", folder, "--test-folder", testFolder, "--size", size.ToString(),
            "--epochs", epochs.ToString(), "--seeds", seed.ToString()]).Split('|').Select(double.Parse).ToArray()).ToArray();
        Console.WriteLine();
        Console.WriteLine($"| ImageCnn, default options, {epochs} epochs, {count} training JPEGs {size}×{size} | test accuracy ({testCount} held-out JPEGs) | training accuracy, last epoch | time per epoch | decoding pass | peak RSS |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < runs.Length; i++)
            Console.WriteLine($"| MLContext seed {seeds[i]} | {runs[i][0]:P2} | {runs[i][4]:P2} | {runs[i][1]:F0} s | {runs[i][2]:F0} s | {runs[i][3]:F2} GB |");
        if (runs.Length > 1)
            Console.WriteLine($"| mean of {runs.Length} (min–max) | {runs.Average(r => r[0]):P2} ({runs.Min(r => r[0]):P2}–{runs.Max(r => r[0]):P2}) | | | | |");
    }

    internal static void RunAccuracyChild(string folder, string testFolder, int size, int epochs, int seed)
    {
        var ml = new MLContext(seed);
        var (model, decodeSeconds) = TrainOnFolder(ml, ml.Data.LoadImagesFromFolder(folder), size, epochs, _ => { });
        var history = model.LastTransformer.History;
        double epochSeconds = history.Epochs.Average(e => e.Seconds);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadImagesFromFolder(testFolder)));
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT {metrics.MicroAccuracy:R}|{epochSeconds:F1}|{decodeSeconds:F1}|{PeakRssGb():F3}|{history.Epochs[^1].TrainAccuracy:R}"));
    }

    /// <summary>The child process: trains and prints one RESULT line.</summary>
    internal static void RunChild(string variant, string folder, int size, int epochs, long budget)
    {
        var ml = new MLContext(seed: 1);
        string kept = "?";
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("training images, kept "))
                kept = e.Message[(e.Message.IndexOf("kept ") + 5)..].Split(" (")[0];
        };
        var data = ml.Data.LoadImagesFromFolder(folder);
        var (model, decodeSeconds) = TrainOnFolder(ml, data, size, epochs, o => (o.Seed, o.DataCacheBytes) = (1, budget));
        var history = model.LastTransformer.History;
        double epochSeconds = history.Epochs.Sum(e => e.Seconds);
        int images = history.Epochs.Count * ml.Data.CreateEnumerable<ImageFolder.Row>(data, false).Count();
        Console.WriteLine(FormattableString.Invariant($"RESULT {kept}|{PeakRssGb():F3}|{decodeSeconds:F1}|{epochSeconds:F1}|{images}|{history.Epochs[^1].TrainAccuracy:R}"));
    }

    /// <summary>
    /// The folder's files as bytes into ImageCnn, which decodes them at <paramref name="size"/>×<paramref name="size"/>;
    /// the options beyond those <paramref name="configure"/> sets are the defaults. Also returns the seconds spent
    /// outside the epochs: the reading (decoding) pass before the first one.
    /// </summary>
    private static (TransformerChain<ImageCnnTransformer> Model, double DecodeSeconds) TrainOnFolder(
        MLContext ml, IDataView data, int size, int epochs, Action<ImageCnnTrainer.Options> configure)
    {
        var options = new ImageCnnTrainer.Options
        {
            FeatureColumnName = "Image", ImageHeight = size, ImageWidth = size, Epochs = epochs,
            OnEpochEnd = e => Console.WriteLine($"{e}"),
        };
        configure(options);
        var clock = Stopwatch.StartNew();
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.MulticlassClassification.Trainers.ImageCnn(options))
            .Fit(data);
        return (model, clock.Elapsed.TotalSeconds - model.LastTransformer.History.Epochs.Sum(e => e.Seconds));
    }

    private static double PeakRssGb()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1e6 * 1.024;
    }
}
