// Usage: TrainingChild <SimpleConvNet|ResNet> <validation: 0|1> <checkpoint directory> <block at epoch> <block at step>
// Trains ResumeScenario with checkpoints; at the given 1-based epoch and step it prints BLOCKED and waits to be killed.
//    or: TrainingChild huge-pages
// Loads MLExtensions first, as an application does, then prints how many kB of a 64 MB tensor are huge pages.
//    or: TrainingChild heap-reuse
// Trains one epoch of SmallImageRecipe on 1,024 images twice and prints the minor page faults per training step of
// the second run (the first warms up libtorch's and glibc's caches).
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

if (args is ["heap-reuse"])
{
    const int rows = 1024;
    var recipeMl = new MLContext(seed: 1);
    var images = recipeMl.Data.Cache(ResumeScenario.Data(recipeMl, rows));
    var recipe = SmallImageRecipe.Options(epochs: 1);
    recipeMl.MulticlassClassification.Trainers.ImageCnn(recipe).Fit(images).Dispose();
    long before = MinorPageFaults();
    recipeMl.MulticlassClassification.Trainers.ImageCnn(recipe).Fit(images).Dispose();
    Console.WriteLine($"FAULTS {(MinorPageFaults() - before) / (rows / recipe.BatchSize)}");
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

static long MinorPageFaults() => long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1]
    .Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]);
