using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// ImageCnn against plain PyTorch (<c>tools/gpu/pytorch_speed.py</c>) on the same device, network, optimizer,
/// batch size and precision, without augmentation: training images/s over the epochs after the first, inference
/// images/s over the test set (ImageCnn through <c>Transform</c>, PyTorch as forward passes on data already on the
/// device, both float32), and test accuracy. The two alternate, so drifting machine speed hits both.
/// </summary>
internal static class VersusPyTorchBenchmark
{
    internal sealed record Settings(ComputeDevice Device, int Rows, int Epochs, int Repeats, string? DataDirectory, string Python, string Script);

    private sealed record Result(double TrainImagesPerSecond, double InferenceImagesPerSecond, double Accuracy, string Note);

    private static readonly (string Name, string PyTorchName, RecipeIngredients Ingredients)[] Networks =
    [
        ("SimpleConvNet [32, 64]/128, AdamW", "simple", RecipeIngredients.MixedPrecision),
        ("ResNet-20 (16/32/64 × 3), SGD-Nesterov", "resnet20", RecipeIngredients.MixedPrecision | RecipeIngredients.ResidualNetwork | RecipeIngredients.SgdNesterov),
    ];

    internal static void Run(MLContext ml, FashionMnistData data, Settings settings)
    {
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(ml.Data.TakeRows(data.Train, settings.Rows)));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        var device = ComputeDeviceResolver.Resolve(settings.Device);
        Console.WriteLine($"ImageCnn vs PyTorch on {device.type}: {settings.Rows} training rows, {settings.Epochs} epochs " +
                          $"(images/s from epoch 2 on), batch 128, bf16 training, float32 inference, {settings.Repeats} alternations");
        var rows = new List<string>();
        foreach (var (name, pyTorchName, ingredients) in Networks)
        {
            var ours = new List<Result>();
            var theirs = new List<Result>();
            for (int r = 0; r < settings.Repeats; r++)
            {
                ours.Add(TrainImageCnn(ml, train, test, ingredients, settings));
                theirs.Add(TrainPyTorch(pyTorchName, settings, device.type.ToString().ToLowerInvariant()));
                Console.WriteLine($"  {name}: ImageCnn {ours[^1].TrainImagesPerSecond:F0} img/s, PyTorch {theirs[^1].TrainImagesPerSecond:F0} img/s ({theirs[^1].Note})");
            }
            rows.Add(Row(name, Median(ours), Median(theirs)));
        }
        Console.WriteLine();
        Console.WriteLine("| network | ImageCnn training img/s | PyTorch training img/s | ratio | ImageCnn inference img/s | PyTorch inference img/s | ratio | test accuracy (ImageCnn / PyTorch) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
    }

    private static Result TrainImageCnn(MLContext ml, IDataView train, IDataView test, RecipeIngredients ingredients, Settings settings)
    {
        var options = SmallImageRecipe.Options(settings.Epochs, ingredients, seed: 1);
        options.Device = settings.Device;
        using var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train);
        var steady = model.History.Epochs.Skip(settings.Epochs > 1 ? 1 : 0).ToArray();
        double trainRate = settings.Rows * steady.Length / steady.Sum(e => e.Seconds);
        ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.TakeRows(test, 1024)));   // warm-up
        var clock = Stopwatch.StartNew();
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        return new(trainRate, RowCount(test) / clock.Elapsed.TotalSeconds, accuracy, "");
    }

    private static Result TrainPyTorch(string network, Settings settings, string device)
    {
        var arguments = new List<string> { settings.Script, "--network", network, "--device", device, "--rows", settings.Rows.ToString(CultureInfo.InvariantCulture),
                                           "--epochs", settings.Epochs.ToString(CultureInfo.InvariantCulture), "--precision", "bf16" };
        if (settings.DataDirectory is { } directory)
            arguments.AddRange(["--data", directory]);
        using var json = PythonScript.RunForJson(settings.Python, arguments);
        var root = json.RootElement;
        return new(root.GetProperty("train_images_per_second").GetDouble(), root.GetProperty("inference_images_per_second").GetDouble(),
                   root.GetProperty("test_accuracy").GetDouble(), root.GetProperty("framework").GetString() ?? "PyTorch");
    }

    private static string Row(string name, Result ours, Result theirs)
        => $"| {name} | {ours.TrainImagesPerSecond:F0} | {theirs.TrainImagesPerSecond:F0} | {ours.TrainImagesPerSecond / theirs.TrainImagesPerSecond:F2} | " +
           $"{ours.InferenceImagesPerSecond:F0} | {theirs.InferenceImagesPerSecond:F0} | {ours.InferenceImagesPerSecond / theirs.InferenceImagesPerSecond:F2} | " +
           $"{ours.Accuracy:P2} / {theirs.Accuracy:P2} |";

    private static Result Median(List<Result> results)
        => new(MedianOf(results.Select(r => r.TrainImagesPerSecond)), MedianOf(results.Select(r => r.InferenceImagesPerSecond)),
               MedianOf(results.Select(r => r.Accuracy)), results[0].Note);

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static long RowCount(IDataView view) => view.GetRowCount() ?? throw new InvalidOperationException("The cached test set does not know its row count.");
}
