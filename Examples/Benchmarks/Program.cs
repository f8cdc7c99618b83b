// ImageCnn inside an ML.NET pipeline versus a plain TorchSharp loop of the same network, measured in the same run.
//   dotnet run -c Release --project Examples/Benchmarks [-- --epochs 3] [--subset] [--reference-first] [--repeats N]
//   dotnet run -c Release --project Examples/Benchmarks -- --augmentation [--epochs 15] [--blocks 2]   (augmentation cost and gain)
//   dotnet run -c Release --project Examples/Benchmarks -- --ensemble [--members 5] [--epochs 15] [--augment]   (ensemble averaging)
//   dotnet run -c Release --project Examples/Benchmarks -- --ensemble --snapshots [--members 5] [--epochs 3]   (snapshot ensemble: members cycles of N epochs)
//   dotnet run -c Release --project Examples/Benchmarks -- --transfer [--budgets 3,10,30] [--pretrain-epochs 5] [--draws 3] [--architecture ResNet]   (fine-tuning strategies)
//   dotnet run -c Release --project Examples/Benchmarks -- --transfer --architecture TorchVision [--budgets 3,10] [--pretrain-epochs 3]   (the same with torchvision's ResNet-18, weights via .safetensors)
//   dotnet run -c Release --project Examples/Benchmarks -- --torchvision-speed [--steps 6]   (ResNet-18 training step and inference images/s at 96×96 and 224×224)
//   dotnet run -c Release --project Examples/Benchmarks -- --families [--networks resnet18,efficientnet_b0] [--family-steps 3]   (one network per torchvision family at 224×224: parameters, multiply-adds, train/infer images/s next to Debian's PyTorch)
//   dotnet run -c Release --project Examples/Benchmarks -- --search [--trial-log FILE]   (hyperparameter search from the main job's options, then the best trained like the main job)
//   dotnet run -c Release --project Examples/Benchmarks -- --soak [--rounds 20]   (uptime: Fit + 10,000 PredictionEngine calls per round, RSS growth, latency)
//   dotnet run -c Release --project Examples/Benchmarks -- --fit-cycles [--rounds 20] [--no-gc]   (Fit + Dispose cycles in one process: RSS growth)
//   dotnet run -c Release --project Examples/Benchmarks -- --averaging [--architecture ResNet] [--epochs N] [--blocks 2] [--ema-decay 0.999] [--swa-start K]   (EMA and SWA at equal epochs)
//   dotnet run -c Release --project Examples/Benchmarks -- --distill [--members 5] [--epochs 15] [--teacher FILE] [--temperature 2] [--alpha 0.5]   (students alone and distilled from the ensemble)
//   dotnet run -c Release --project Examples/Benchmarks -- --prune [--architecture SimpleConvNet] [--epochs 15] [--fine-tune-epochs 3]   (filter pruning at 0/25/50/75 %)
//   dotnet run -c Release --project Examples/Benchmarks -- --recipe [--epochs 26] [--members 5] [--ablation] [--runs-folder recipe-runs]   (SmallImageRecipe: one model, ensemble, ablation)
//   dotnet run -c Release --project Examples/Benchmarks -- --versus-pytorch [--device auto|cpu|cuda] [--rows 60000] [--epochs 3] [--repeats 1] [--data DIR] [--python /usr/bin/python3] [--script tools/gpu/pytorch_speed.py]   (training and inference images/s against plain PyTorch)
//   dotnet run -c Release --project Examples/Benchmarks -- --cuda-selftest OUTDIR [--subset] [--device cpu]   (device tests on a GPU machine, or a dry run on the CPU; exit code = failed checks)
//   dotnet run -c Release --project Examples/Benchmarks -- --allocator [--workloads simple,resnet20,recipe,photo,resnet18] [--malloc earlier,library,opt-out,tunables:glibc.malloc.X=N] [--repeats 3]   (allocator settings, each run a fresh process)
//   dotnet run -c Release --project Examples/Benchmarks -- --loop-guard [--repeats 3] [--with-untuned-loop]   (CI: ImageCnn against a plain TorchSharp loop; exit code = workloads below 0.9x)
//   dotnet run -c Release --project Examples/Benchmarks -- --limits [--workloads ...] [--repeats 3]   (achievable GFLOP/s on this CPU and the fraction each workload reaches)
//   dotnet run -c Release --project Examples/Benchmarks -- --threads [--workloads simple,photo] [--thread-counts 1,2] [--repeats 3]   (training, batch scoring and PredictionEngine latency per intra-op thread count)
//   dotnet run -c Release --project Examples/Benchmarks -- --non-finite-check SEEDS STEPS simple|resnet   (tiny plain TorchSharp trainings that went non-finite, for DNNL_MAX_CPU_ISA / OMP_NUM_THREADS checks)
//   dotnet run -c Release --project Examples/Benchmarks -- --photos 50000 [--size 128] [--epochs 1] [--data-cache-mb 1024]   (training from a folder of JPEGs: peak RSS, images/s)
//         [--accuracy-epochs 5 [--test-photos 2000] [--seeds 1,2,3] [--accuracy-only]]   (then default options for N epochs, accuracy on held-out photos, one run per seed)
using System.Diagnostics;
using Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;

if (args.Length == 2 && args[0] == ConvolutionCheck.Argument)
{
    ConvolutionCheck.Run(int.Parse(args[1]));
    return 0;
}
if (args.Length == 4 && args[0] == NonFiniteGradientCheck.Argument)
{
    NonFiniteGradientCheck.Run(int.Parse(args[1]), int.Parse(args[2]), args[3]);
    return 0;
}
if (args.Length == 3 && args[0] == SpeedChild.Argument)
{
    SpeedChild.Run(args[1], args[2]);
    return 0;
}
if (args.Length == 3 && args[0] == ThreadsBenchmark.ChildArgument)
{
    ThreadsBenchmark.RunChild(args[1], int.Parse(args[2]));
    return 0;
}
int? epochsOption = null;
const int batchSize = 128;
var source = FashionMnistSource.Full;
bool referenceFirst = false, augmentationOnly = false, transferOnly = false, ensembleOnly = false, augment = false, snapshots = false, averagingOnly = false;
double emaDecay = 0.999;
int? swaStart = null;
var architecture = CnnArchitecture.SimpleConvNet;
int repeats = 1, blocks = 2, pretrainEpochs = 5, draws = 3, members = 5;
int[] budgets = [3, 10, 30];
int? photos = null;
int photoSize = 128;
int accuracyEpochs = 0, testPhotos = 2000;
int[] accuracySeeds = [1];
bool accuracyOnly = false, torchVisionSpeed = false, searchOnly = false, soak = false, fitCycles = false, fitCyclesWithoutGc = false, distillOnly = false, pruneOnly = false;
bool familiesOnly = false;
string[]? familyNetworks = null;
int familySteps = 3;
bool recipeOnly = false, ablation = false, versusPyTorch = false, allocatorOnly = false, loopGuard = false, limitsOnly = false, threadsOnly = false;
int[] threadCounts = [1, 2];
string[] speedWorkloads = ["simple", "resnet20", "recipe", "photo", "resnet18"], mallocSettings = ["earlier", "library", "opt-out"];
var device = ComputeDevice.Auto;
int? rowsOption = null;
string? dataDirectory = null;
string python = "/usr/bin/python3", pyTorchScript = "tools/gpu/pytorch_speed.py";
string? selfTestFolder = null;
int? membersOption = null;
string recipeFolder = "recipe-runs";
string teacherPath = "distillation-teacher.zip";
var distillation = new DistillationOptions();
int fineTuneEpochs = 3;
int soakRounds = 20;
string trialLog = "search-trials.jsonl";
int speedSteps = 6;
string? photosChild = null, photoFolder = null, photoTestFolder = null;
long photoBudget = ImageCnnTrainer.Options.DefaultDataCacheBytes;
for (int i = 0; i < args.Length; i++)
    switch (args[i])
    {
        case "--epochs": epochsOption = int.Parse(args[++i]); break;
        case "--subset": source = FashionMnistSource.EmbeddedSubset; break;
        case "--reference-first": referenceFirst = true; break;
        case "--repeats": repeats = int.Parse(args[++i]); break;
        case "--augmentation": augmentationOnly = true; break;
        case "--blocks": blocks = int.Parse(args[++i]); break;
        case "--transfer": transferOnly = true; break;
        case "--torchvision-speed": torchVisionSpeed = true; break;
        case "--search": searchOnly = true; break;
        case "--soak": soak = true; break;
        case "--fit-cycles": fitCycles = true; break;
        case "--no-gc": fitCyclesWithoutGc = true; break;
        case "--distill": distillOnly = true; break;
        case "--teacher": teacherPath = args[++i]; break;
        case "--temperature": distillation.Temperature = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--alpha": distillation.Alpha = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--prune": pruneOnly = true; break;
        case "--recipe": recipeOnly = true; break;
        case "--versus-pytorch": versusPyTorch = true; break;
        case "--families": familiesOnly = true; break;
        case "--networks": familyNetworks = args[++i].Split(','); break;
        case "--family-steps": familySteps = int.Parse(args[++i]); break;
        case "--allocator": allocatorOnly = true; break;
        case "--loop-guard": loopGuard = true; break;
        case "--with-untuned-loop": break;
        case "--limits": limitsOnly = true; break;
        case "--threads": threadsOnly = true; break;
        case "--thread-counts": threadCounts = args[++i].Split(',').Select(int.Parse).ToArray(); break;
        case "--workloads": speedWorkloads = args[++i].Split(','); break;
        case "--malloc": mallocSettings = args[++i].Split(','); break;
        case "--cuda-selftest": selfTestFolder = args[++i]; break;
        case "--device": device = Enum.Parse<ComputeDevice>(args[++i], ignoreCase: true); break;
        case "--rows": rowsOption = int.Parse(args[++i]); break;
        case "--data": dataDirectory = args[++i]; break;
        case "--python": python = args[++i]; break;
        case "--script": pyTorchScript = args[++i]; break;
        case "--ablation": ablation = true; break;
        case "--runs-folder": recipeFolder = args[++i]; break;
        case "--fine-tune-epochs": fineTuneEpochs = int.Parse(args[++i]); break;
        case "--rounds": soakRounds = int.Parse(args[++i]); break;
        case "--trial-log": trialLog = args[++i]; break;
        case "--steps": speedSteps = int.Parse(args[++i]); break;
        case "--ensemble": ensembleOnly = true; break;
        case "--members": members = (membersOption = int.Parse(args[++i])).Value; break;
        case "--augment": augment = true; break;
        case "--snapshots": snapshots = true; break;
        case "--pretrain-epochs": pretrainEpochs = int.Parse(args[++i]); break;
        case "--draws": draws = int.Parse(args[++i]); break;
        case "--budgets": budgets = args[++i].Split(',').Select(int.Parse).ToArray(); break;
        case "--fine-tune-rate": TransferBenchmark.FineTuneRate = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--probe-rate": TransferBenchmark.LinearProbeRate = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--architecture": architecture = TransferBenchmark.Architecture = Enum.Parse<CnnArchitecture>(args[++i], ignoreCase: true); break;
        case "--averaging": averagingOnly = true; break;
        case "--photos": photos = int.Parse(args[++i]); break;
        case "--size": photoSize = int.Parse(args[++i]); break;
        case "--photos-child": photosChild = args[++i]; break;
        case "--folder": photoFolder = args[++i]; break;
        case "--test-folder": photoTestFolder = args[++i]; break;
        case "--accuracy-epochs": accuracyEpochs = int.Parse(args[++i]); break;
        case "--test-photos": testPhotos = int.Parse(args[++i]); break;
        case "--seeds": accuracySeeds = args[++i].Split(',').Select(int.Parse).ToArray(); break;
        case "--accuracy-only": accuracyOnly = true; break;
        case "--data-cache-mb": photoBudget = long.Parse(args[++i]) is var mb && mb < 0 ? long.MaxValue : mb << 20; break;
        case "--ema-decay": emaDecay = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--swa-start": swaStart = int.Parse(args[++i]); break;
        case "--block-multiplier": TransferBenchmark.BlockMultiplier = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"Unknown option {args[i]} (use --epochs N, --subset, --reference-first, --repeats N, " +
                                             "--augmentation [--blocks N], --ensemble [--members N] [--augment | --snapshots], --transfer [--budgets 3,10,30] [--pretrain-epochs N] [--draws N] [--architecture A], " +
                                             "--averaging [--architecture A] [--epochs N] [--blocks N] [--ema-decay D] [--swa-start K], " +
                                             "--distill [--members N] [--epochs N] [--teacher FILE] [--temperature T] [--alpha A], --prune [--architecture A] [--epochs N] [--fine-tune-epochs N], " +
                                             "--recipe [--epochs N] [--members N] [--ablation] [--runs-folder DIR], " +
                                             "--versus-pytorch [--device D] [--rows N] [--epochs N] [--repeats N] [--data DIR] [--python PATH] [--script PATH], --cuda-selftest DIR).");
    }
int epochs = epochsOption ?? 3;
if (loopGuard)
{
    Console.WriteLine($"Speed guard: ImageCnn against a plain TorchSharp loop, {Environment.ProcessorCount} cores, each run in a fresh process");
    return LoopGuard.Run(args.Contains("--repeats") ? repeats : 3, withUntunedLoop: args.Contains("--with-untuned-loop"));
}
if (threadsOnly)
{
    Console.WriteLine($"libtorch intra-op threads, {Environment.ProcessorCount} cores, each count in a fresh process");
    ThreadsBenchmark.Run(speedWorkloads.Select(SpeedWorkload.Named).ToList(), threadCounts, args.Contains("--repeats") ? repeats : 3);
    return 0;
}
if (limitsOnly)
{
    Console.WriteLine($"Distance to this CPU's limit, {Environment.ProcessorCount} cores, libtorch with {TorchSharp.torch.get_num_threads()} threads");
    ComputeLimits.Run(speedWorkloads.Select(SpeedWorkload.Named).ToList(), args.Contains("--repeats") ? repeats : 3);
    return 0;
}
if (allocatorOnly)
{
    Console.WriteLine($"Allocator settings benchmark, {Environment.ProcessorCount} cores, each run in a fresh process");
    AllocatorBenchmark.Run(speedWorkloads.Select(SpeedWorkload.Named).ToList(), mallocSettings.Select(MallocSetting.Parse).ToList(), repeats);
    return 0;
}
const double lr = 1e-3, dropout = 0.25;
const int seed = 1;

if (photosChild is not null)
{
    if (photosChild == "accuracy")
        PhotoFolderBenchmark.RunAccuracyChild(photoFolder!, photoTestFolder!, photoSize, epochsOption ?? 1, accuracySeeds[0]);
    else
        PhotoFolderBenchmark.RunChild(photosChild, photoFolder!, photoSize, epochsOption ?? 1, photoBudget);
    return 0;
}
if (familiesOnly)
{
    FamiliesBenchmark.Run(new(python, "Examples/Benchmarks/torchvision_speed.py", Size: 224, Steps: familySteps), familyNetworks);
    return 0;
}
var ml = new MLContext(seed);
var data = ml.Data.LoadFashionMnist(source, dataDirectory);
if (selfTestFolder is not null)
    return CudaSelfTest.Run(ml, data, selfTestFolder, device == ComputeDevice.Cpu ? ComputeDevice.Cpu : ComputeDevice.Cuda);
if (versusPyTorch)
{
    VersusPyTorchBenchmark.Run(ml, data, new(device, rowsOption ?? 60_000, epochsOption ?? 3, repeats, dataDirectory ?? Environment.GetEnvironmentVariable(FashionMnist.DirectoryVariable) ?? FashionMnist.DebianDirectory, python, pyTorchScript));
    return 0;
}
if (photos is int photoCount)
{
    Console.WriteLine($"Photo folder benchmark, {Environment.ProcessorCount} cores");
    if (!accuracyOnly)
        PhotoFolderBenchmark.Run(ml, data, photoCount, photoSize, epochsOption ?? 1, photoBudget);
    if (accuracyEpochs > 0)
        PhotoFolderBenchmark.RunAccuracy(ml, data, photoCount, photoSize, accuracyEpochs, testPhotos, accuracySeeds);
    return 0;
}
if (ensembleOnly)
{
    Console.WriteLine($"Ensemble benchmark on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    if (snapshots)
        EnsembleBenchmark.RunSnapshots(ml, data, members, cycleEpochs: epochsOption ?? 3);
    else
        EnsembleBenchmark.Run(ml, data, members, epochsOption ?? 15, augment);
    return 0;
}
if (distillOnly)
{
    Console.WriteLine($"Distillation benchmark on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    DistillationBenchmark.Run(ml, data, members, epochsOption ?? 15, teacherPath, distillation);
    return 0;
}
if (pruneOnly)
{
    Console.WriteLine($"Filter pruning benchmark on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    PruningBenchmark.Run(ml, data, architecture, epochsOption ?? 15, fineTuneEpochs);
    return 0;
}
if (recipeOnly)
{
    Console.WriteLine($"Recipe benchmark on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    RecipeBenchmark.Run(ml, data, epochsOption ?? SmallImageRecipe.DefaultEpochs, membersOption ?? 1, ablation, recipeFolder);
    return 0;
}
if (averagingOnly)
{
    // The main job's 12 epochs for SimpleConvNet, the augmentation benchmark's 15 for ResNet; SWA over the last quarter.
    int averagingEpochs = epochsOption ?? (architecture == CnnArchitecture.ResNet ? 15 : 12);
    Console.WriteLine($"Weight averaging benchmark on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    AveragingBenchmark.Run(ml, data, architecture, averagingEpochs, blocks, emaDecay, swaStart ?? averagingEpochs * 3 / 4 + 1);
    return 0;
}
if (torchVisionSpeed)
{
    Console.WriteLine($"torchvision ResNet-18 speed, {Environment.ProcessorCount} cores");
    var weights = Path.Combine(TorchVisionTransfer.Folder, "resnet18-fashion-mnist-5.safetensors");
    if (!File.Exists(weights))
        weights = TorchVisionTransfer.RandomInitialisation();
    Console.WriteLine($"  weights: {weights}");
    PretrainedSpeedBenchmark.Run(ml, PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, weights), [96, 224], speedSteps, inferenceImages: 256);
    return 0;
}
if (fitCycles)
{
    Console.WriteLine($"Fit + Dispose cycles, {Environment.ProcessorCount} cores");
    SoakBenchmark.RunFitDisposeCycles(new MLContext(seed: 1), soakRounds, fullCollections: !fitCyclesWithoutGc);
    return 0;
}

if (soak)
{
    Console.WriteLine($"Soak benchmark, {Environment.ProcessorCount} cores");
    SoakBenchmark.Run(new MLContext(seed: 1), soakRounds, predictionsPerRound: 10_000);
    return 0;
}
if (searchOnly)
{
    Console.WriteLine($"Hyperparameter search on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    SearchBenchmark.Run(ml, data, trialLog, confirmEpochs: 12);
    return 0;
}
if (transferOnly)
{
    Console.WriteLine($"Transfer benchmark on Fashion-MNIST from {data.Origin}, {Environment.ProcessorCount} cores");
    TransferBenchmark.Run(ml, data, pretrainEpochs, budgets, draws, perClass: 50);
    return 0;
}
if (augmentationOnly)
{
    Console.WriteLine($"Augmentation benchmark on Fashion-MNIST from {data.Origin}, {epochs} epochs, {Environment.ProcessorCount} cores");
    AugmentationBenchmark.Run(ml, data, epochs, blocks);
    return 0;
}
Console.WriteLine($"Fashion-MNIST from {data.Origin}; SimpleConvNet, Adam lr {lr}, batch {batchSize}, {epochs} epochs, " +
                  $"{Environment.ProcessorCount} cores; {(referenceFirst ? "plain loop first" : "ImageCnn first")}");

// libtorch gets faster after its first training run in a process (kernel and allocator caches), which would favour
// whichever loop runs second: warm both up on a small subset first, then alternate the measured runs.
var warmUpData = ml.Data.TakeRows(data.Train, 1024);
RunPipeline(warmUpData, 1, report: false);
RunReference(warmUpData, 1);
var pipelines = new List<PipelineResult>();
var references = new List<ReferenceResult>();
for (int r = 0; r < repeats; r++)
{
    if (referenceFirst)
        references.Add(RunReference(data.Train, epochs));
    pipelines.Add(RunPipeline(data.Train, epochs, report: true));
    if (!referenceFirst)
        references.Add(RunReference(data.Train, epochs));
}
Console.WriteLine($"  ImageCnn pipeline fits: {string.Join(", ", pipelines.Select(p => $"{p.FitSeconds:F1}s"))}");
var pipeline = pipelines.OrderBy(p => p.FitSeconds).ElementAt(repeats / 2);
var reference = references.OrderBy(p => p.TrainSeconds).ElementAt(repeats / 2);

// Inference: Transform (the whole ML.NET pipeline, consuming Score) against plain batched forward passes of the same
// trained network on images already in memory, mean subtraction included. Alternated, median of 5 passes each.
using var meanTensor = TorchSharp.torch.tensor(pipeline.MeanImage, [1, 1, 28, 28]);
var transformTimes = new List<double>();
var forwardTimes = new List<double>();
for (int pass = 0; pass < 5; pass++)
{
    transformTimes.Add(pipeline.TimeTransform());
    forwardTimes.Add(PlainTorchSharpLoop.Predict(pipeline.Network.Network, reference.TestImages, pipeline.Network.InferenceBatchSize, meanTensor).Seconds);
}
double transformSeconds = Median(transformTimes), forwardSeconds = Median(forwardTimes);

long peakRss = ProcessMemory("VmHWM");
double imagesTrained = (double)reference.TrainCount * epochs;
Console.WriteLine();
Console.WriteLine("| measurement | ImageCnn (ML.NET pipeline) | plain TorchSharp | ratio | target |");
Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
Row("training images/s (Fit, data reading included)", imagesTrained / pipeline.FitSeconds, imagesTrained / reference.TrainSeconds, "≥ 0.95");
Row("training images/s (epochs only)", imagesTrained / pipeline.EpochSeconds, imagesTrained / reference.TrainSeconds, "≥ 0.95");
Row("training images per CPU-second (Fit vs loop)", imagesTrained / pipeline.FitCpuSeconds, imagesTrained / reference.TrainCpuSeconds, "");
Row("inference images/s (Transform vs batched forward, median of 5)", reference.TestCount / transformSeconds, reference.TestCount / forwardSeconds, "≥ 0.90");
Console.WriteLine($"| test accuracy | {pipeline.Accuracy:P2} | {reference.Accuracy:P2} | {(pipeline.Accuracy - reference.Accuracy) * 100:+0.00;-0.00} points | within 0.5 points |");
if (!referenceFirst)
    Console.WriteLine($"| peak RSS, ImageCnn pipeline (load, fit, evaluate, transform) | {Gigabytes(pipelines[0].PeakRss)} | | | ≤ 1.5 GB |");
Console.WriteLine($"| peak RSS, whole benchmark (both loops) | {Gigabytes(peakRss)} | | | |");
return 0;

// ImageCnn in an ML.NET pipeline: the data stays an IDataView, read by the pipeline like by any trainer.
PipelineResult RunPipeline(IDataView trainData, int epochCount, bool report)
{
    var estimator = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
        .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
        .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
        {
            Architecture = CnnArchitecture.SimpleConvNet, Optimizer = OptimizerKind.Adam, LearningRate = lr, Dropout = dropout,
            Epochs = epochCount, BatchSize = batchSize, Seed = seed, Device = ComputeDevice.Cpu,
            OnEpochEnd = e => { if (report) Console.WriteLine($"  ImageCnn {e}; RSS {ProcessMemory("VmRSS") / 1048576.0:F0} MB"); },
        }));
    var clock = Stopwatch.StartNew();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var model = estimator.Fit(trainData);
    double fitSeconds = clock.Elapsed.TotalSeconds;
    double fitCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var cnn = ((IEnumerable<ITransformer>)model).OfType<ImageCnnTransformer>().Single();
    double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;

    var mean = ((IEnumerable<ITransformer>)model).OfType<MeanSubtractionTransformer>().Single().GetMeanImage();
    double TimeTransform()
    {
        var clock = Stopwatch.StartNew();
        var scored = model.Transform(data.Test);
        using var cursor = scored.GetRowCursor([scored.Schema["Score"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
            getter(ref buffer);
        return clock.Elapsed.TotalSeconds;
    }
    TimeTransform();
    return new PipelineResult(cnn, mean, fitSeconds, fitCpuSeconds, cnn.History.Epochs.Sum(e => e.Seconds), accuracy, TimeTransform, ProcessMemory("VmHWM"));
}

// The same network trained by a plain TorchSharp loop on the same images, already in memory as floats.
ReferenceResult RunReference(IDataView trainData, int epochCount)
{
    var classIndex = FashionMnist.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => (long)p.i);
    var train = ml.Data.CreateEnumerable<FashionMnistImage>(trainData, false).ToArray();
    var test = ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, false).ToArray();
    var trainImages = train.SelectMany(r => r.Features).ToArray();
    var trainLabels = train.Select(r => classIndex[r.Label]).ToArray();
    var testImages = test.SelectMany(r => r.Features).ToArray();
    var testLabels = test.Select(r => classIndex[r.Label]).ToArray();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var (net, seconds) = PlainTorchSharpLoop.Train(trainImages, trainLabels, epochCount, batchSize, lr, dropout, seed);
    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    Console.WriteLine($"  plain TorchSharp loop: {epochCount} epochs on {train.Length} images in {seconds:F1}s");
    var (probabilities, _) = PlainTorchSharpLoop.Predict(net, testImages, 256, PlainTorchSharpLoop.MeanImage);
    double accuracy = testLabels.Select((label, i) => ArgMax(probabilities.AsSpan(i * 10, 10)) == label ? 1.0 : 0.0).Average();
    return new ReferenceResult(train.Length, test.Length, testImages, seconds, cpuSeconds, accuracy);
}

static void Row(string name, double ours, double reference, string target)
    => Console.WriteLine($"| {name} | {ours:F0} | {reference:F0} | {ours / reference:F3} | {target} |");

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Gigabytes(long bytes) => $"{bytes / (1024.0 * 1024 * 1024):F2} GB";

// Bytes of a /proc/self/status memory line (VmRSS: now, VmHWM: peak).
static long ProcessMemory(string field) => File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field + ":"))
    .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();

static int ArgMax(ReadOnlySpan<float> values)
{
    int best = 0;
    for (int i = 1; i < values.Length; i++)
        if (values[i] > values[best])
            best = i;
    return best;
}

internal sealed record PipelineResult(ImageCnnTransformer Network, float[] MeanImage, double FitSeconds, double FitCpuSeconds, double EpochSeconds,
    double Accuracy, Func<double> TimeTransform, long PeakRss);

internal sealed record ReferenceResult(int TrainCount, int TestCount, float[] TestImages, double TrainSeconds, double TrainCpuSeconds, double Accuracy);
