// Usage: TrainingChild <SimpleConvNet|ResNet> <validation: 0|1> <checkpoint directory> <block at epoch> <block at step>
// Trains ResumeScenario with checkpoints; at the given 1-based epoch and step it prints BLOCKED and waits to be killed.
//    or: TrainingChild huge-pages
// Loads MLExtensions first, as an application does, then prints how many kB of a 64 MB tensor are huge pages.
//    or: TrainingChild single-images
// Trains a small SimpleConvNet, then scores 50 test images one at a time with a PredictionEngine and prints PREDICTED 50.
//    or: TrainingChild heap-reuse | heap-reuse-simple
// Trains one epoch of SmallImageRecipe (ResNet-20, bfloat16, 1,024 images) or of the main job's SimpleConvNet (Adam,
// batch 128, 4,096 images) twice and prints the minor page faults per training step of the second run (the first warms up
// libtorch's and glibc's caches).
//    or: TrainingChild onednn-check <widths, comma-separated>
// Builds a SimpleConvNet of those widths, then prints whether oneDNN is on (ENABLED) and the first of its convolutions
// the kernels now in use compute wrongly (WRONG, or none).
using Microsoft.ML;
using MLExtensions;
using MLExtensions.UnitTests;
using TorchSharp;

if (args is ["huge-pages"])
{
    _ = new ImageAugmentation(seed: 1);
    long before = AnonHugePagesKb();
    using var tensor = torch.ones(16L << 20);
    Console.WriteLine($"HUGE {AnonHugePagesKb() - before}");
    return 0;
}

if (args is ["onednn-check", var widthList])
{
    var network = MLExtensions.Cnn.NetworkFactory.Create(new NetworkDescription
    {
        Architecture = CnnArchitecture.SimpleConvNet, InputShape = new ImageShape(1, 28, 28), ClassCount = 10,
        Widths = widthList.Split(',').Select(int.Parse).ToArray(), HiddenUnits = 16,
    });
    Console.WriteLine($"ENABLED {MLExtensions.Native.OneDnnConvolutionCheck.IsEnabledInLibTorch()}");
    Console.WriteLine($"WRONG {MLExtensions.Native.OneDnnConvolutionCheck.FirstWrong(MLExtensions.Native.OneDnnConvolutionCheck.ShapesOf(network)) ?? "none"}");
    return 0;
}

if (args is ["single-images"])
{
    var serviceMl = new MLContext(seed: 1);
    var model = serviceMl.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
    {
        Architecture = CnnArchitecture.SimpleConvNet, Widths = [4, 8], HiddenUnits = 16, Epochs = 1, BatchSize = 32, Seed = 1,
    }).Fit(ResumeScenario.Data(serviceMl));
    using var engine = serviceMl.Model.CreatePredictionEngine<FashionMnistImage, Scores>(model);
    var test = serviceMl.Data.CreateEnumerable<FashionMnistImage>(serviceMl.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Test, false).Take(50).ToList();
    Console.WriteLine($"PREDICTED {test.Count(image => engine.Predict(image).Score.Length == 10)}");
    return 0;
}

if (args is ["heap-reuse" or "heap-reuse-simple"])
{
    // Faults counted in 4 KB pages: with transparent huge pages a fresh 12.8 MB block faults in 7 times or 3,200 times
    // depending on how many huge pages the kernel has free at that moment, which would make the counts meaningless.
    const int PrSetThpDisable = 41;
    if (prctl(PrSetThpDisable, 1, 0, 0, 0) != 0)
        throw new InvalidOperationException($"prctl(PR_SET_THP_DISABLE) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    // Enough steps that one-off faults (JIT, the GC's heap growing) do not blur the per-step ones.
    int rows = args[0] == "heap-reuse" ? 1024 : 4096;
    var heapMl = new MLContext(seed: 1);
    var images = heapMl.Data.Cache(ResumeScenario.Data(heapMl, rows));
    var heapOptions = args[0] == "heap-reuse" ? SmallImageRecipe.Options(epochs: 1) : new ImageCnnTrainer.Options
    {
        Architecture = CnnArchitecture.SimpleConvNet, Widths = [32, 64], HiddenUnits = 128, Optimizer = OptimizerKind.Adam,
        BatchSize = 128, Epochs = 1, Seed = 1,
    };
    heapMl.MulticlassClassification.Trainers.ImageCnn(heapOptions).Fit(images).Dispose();
    long before = MinorPageFaults();
    heapMl.MulticlassClassification.Trainers.ImageCnn(heapOptions).Fit(images).Dispose();
    Console.WriteLine($"FAULTS {(MinorPageFaults() - before) / (rows / heapOptions.BatchSize)}");
    return 0;
}

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: TrainingChild <architecture> <validation 0|1> <checkpoint directory> <block at epoch> <block at step>");
    return 2;
}

var ml = new MLContext(seed: 1);
var options = ResumeScenario.Options(Enum.Parse<CnnArchitecture>(args[0]), args[1] == "1", args[2]);
int blockEpoch = int.Parse(args[3]), blockStep = int.Parse(args[4]);
options.OnProgress = progress =>
{
    if (progress.Epoch != blockEpoch || progress.Step != blockStep)
        return;
    Console.WriteLine("BLOCKED");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite);
};
ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(ResumeScenario.Data(ml));
Console.Error.WriteLine("training finished without reaching the step to block at");
return 1;

static long AnonHugePagesKb() => long.Parse(File.ReadLines("/proc/self/smaps_rollup")
    .First(l => l.StartsWith("AnonHugePages:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

[System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

static long MinorPageFaults() => long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1]
    .Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]);

internal sealed class Scores
{
    public float[] Score { get; set; } = [];
}
