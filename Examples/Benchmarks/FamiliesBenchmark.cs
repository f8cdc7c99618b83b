using System.Diagnostics;
using MLExtensions;
using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// One variant of each torchvision family at 224×224 on this CPU: parameters, multiply-adds, training images/s (batch
/// 32: forward, cross-entropy, backward, Adam) and inference images/s (batch 8, evaluation mode, no gradients), ours
/// (the network MLExtensions builds, in TorchSharp) next to torchvision's in Debian's PyTorch (torchvision_speed.py),
/// measured in the same run, one network after the other. The networks' raw steps, without ImageCnn's data pipeline.
/// </summary>
internal static class FamiliesBenchmark
{
    internal sealed record Settings(string Python, string Script, int Size, int Steps, int TrainBatch = 32, int InferBatch = 8);

    private sealed record Measurement(long Parameters, long MultiplyAdds, double TrainRate, double InferRate);

    private static readonly (TorchVisionModel Model, string PyTorchName)[] Networks =
    [
        (TorchVisionModel.ResNet18, "resnet18"),
        (TorchVisionModel.MobileNetV2, "mobilenet_v2"),
        (TorchVisionModel.MobileNetV3Large, "mobilenet_v3_large"),
        (TorchVisionModel.VGG11, "vgg11"),
        (TorchVisionModel.SqueezeNet1_1, "squeezenet1_1"),
        (TorchVisionModel.DenseNet121, "densenet121"),
        (TorchVisionModel.ShuffleNetV2_x1_0, "shufflenet_v2_x1_0"),
        (TorchVisionModel.MnasNet1_0, "mnasnet1_0"),
        (TorchVisionModel.EfficientNetB0, "efficientnet_b0"),
        (TorchVisionModel.ConvNeXtTiny, "convnext_tiny"),
        (TorchVisionModel.RegNetY_400MF, "regnet_y_400mf"),
        (TorchVisionModel.GoogLeNet, "googlenet"),
    ];

    internal static void Run(Settings settings, IReadOnlyList<string>? only = null)
    {
        Console.WriteLine($"Network families at {settings.Size}×{settings.Size}, {Environment.ProcessorCount} cores: median of {settings.Steps} steps after one warm-up; " +
                          $"training batch {settings.TrainBatch}, inference batch {settings.InferBatch}");
        Console.WriteLine("| network | parameters | multiply-adds | training images/s: ours | PyTorch | ratio | inference images/s: ours | PyTorch | ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (model, name) in Networks.Where(n => only is null || only.Contains(n.PyTorchName)))
        {
            var ours = MeasureOurs(model, settings);
            var theirs = MeasurePyTorch(name, settings);
            string sizes = ours.Parameters == theirs.Parameters && ours.MultiplyAdds == theirs.MultiplyAdds ? ""
                : $" (PyTorch: {theirs.Parameters:N0} parameters, {theirs.MultiplyAdds:N0} multiply-adds)";
            Console.WriteLine($"| {model}{sizes} | {ours.Parameters / 1e6:F1} M | {ours.MultiplyAdds / 1e9:F2} G | " +
                              $"{ours.TrainRate:F1} | {theirs.TrainRate:F1} | {ours.TrainRate / theirs.TrainRate:F2} | " +
                              $"{ours.InferRate:F1} | {theirs.InferRate:F1} | {ours.InferRate / theirs.InferRate:F2} |");
        }
    }

    private static Measurement MeasureOurs(TorchVisionModel model, Settings settings)
    {
        var shape = new ImageShape(3, settings.Size, settings.Size);
        manual_seed(1);
        using var network = NetworkFactory.Create(new NetworkDescription
        {
            Architecture = CnnArchitecture.TorchVision, TorchVisionModel = model, InputShape = shape, ClassCount = 1000,
        });
        long parameters = network.parameters().Sum(p => p.numel());
        long macs = MultiplyAdds.PerImage(network, shape);

        using var images = randn(settings.TrainBatch, 3, settings.Size, settings.Size);
        using var labels = randint(0, 1000, [settings.TrainBatch]);
        using var optimizer = optim.Adam(network.parameters(), lr: 1e-3);
        network.train();
        double train = MedianSeconds(settings.Steps, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(network.forward(images), labels).backward();
            optimizer.step();
        });

        using var batch = randn(settings.InferBatch, 3, settings.Size, settings.Size);
        network.eval();
        double infer = MedianSeconds(settings.Steps, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            network.forward(batch);
        });
        return new(parameters, macs, settings.TrainBatch / train, settings.InferBatch / infer);
    }

    private static double MedianSeconds(int steps, Action step)
    {
        step();
        var seconds = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            step();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return seconds.Order().ElementAt(steps / 2);
    }

    private static Measurement MeasurePyTorch(string name, Settings settings)
    {
        string[] arguments = [settings.Script, name, "--size", $"{settings.Size}", "--steps", $"{settings.Steps}",
                              "--train-batch", $"{settings.TrainBatch}", "--infer-batch", $"{settings.InferBatch}"];
        using var json = PythonScript.RunForJson(settings.Python, arguments);
        var root = json.RootElement;
        return new(root.GetProperty("parameters").GetInt64(), root.GetProperty("multiply_adds").GetInt64(),
                   root.GetProperty("train_images_per_s").GetDouble(), root.GetProperty("infer_images_per_s").GetDouble());
    }
}
