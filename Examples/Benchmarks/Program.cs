// ImageCnn inside an ML.NET pipeline versus a plain TorchSharp loop of the same network, measured in the same run.
//   dotnet run -c Release --project Examples/Benchmarks [-- --epochs 3] [--subset]
using System.Diagnostics;
using Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;

int epochs = 3, batchSize = 128;
var source = FashionMnistSource.Full;
for (int i = 0; i < args.Length; i++)
    switch (args[i])
    {
        case "--epochs": epochs = int.Parse(args[++i]); break;
        case "--subset": source = FashionMnistSource.EmbeddedSubset; break;
        default: throw new ArgumentException($"Unknown option {args[i]} (use --epochs N, --subset).");
    }
const double lr = 1e-3, dropout = 0.25;
const int seed = 1;

var ml = new MLContext(seed);
var data = ml.Data.LoadFashionMnist(source);
var train = ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, false).ToArray();
var test = ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, false).ToArray();
var classIndex = FashionMnist.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => (long)p.i);
float[] Pixels(FashionMnistImage[] rows) => rows.SelectMany(r => r.Features).ToArray();
Console.WriteLine($"Fashion-MNIST from {data.Origin}: {train.Length} training, {test.Length} test images; SimpleConvNet, Adam lr {lr}, batch {batchSize}, {epochs} epochs, {Environment.ProcessorCount} cores");

// 1. ImageCnn in an ML.NET pipeline (the data stays an IDataView; the pipeline reads it like any trainer would).
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
    {
        Architecture = CnnArchitecture.SimpleConvNet, Optimizer = OptimizerKind.Adam, LearningRate = lr, Dropout = dropout,
        Epochs = epochs, BatchSize = batchSize, Seed = seed, Device = ComputeDevice.Cpu,
        OnEpochEnd = e => Console.WriteLine($"  ImageCnn {e}; RSS {ProcessMemory("VmRSS") / 1048576.0:F0} MB"),
    }));
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(data.Train);
double pipelineFitSeconds = clock.Elapsed.TotalSeconds;
var cnn = ((IEnumerable<ITransformer>)model).OfType<ImageCnnTransformer>().Single();
double pipelineEpochSeconds = cnn.History.Epochs.Sum(e => e.Seconds);
double pipelineAccuracy = ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;

clock.Restart();
long scoredRows = 0;
var scored = model.Transform(data.Test);
using (var cursor = scored.GetRowCursor([scored.Schema["Score"]]))
{
    var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
    var buffer = default(VBuffer<float>);
    while (cursor.MoveNext())
    {
        getter(ref buffer);
        scoredRows++;
    }
}
double transformSeconds = clock.Elapsed.TotalSeconds;

// 2. The same network trained by a plain TorchSharp loop on the same images, already in memory as floats.
var trainImages = Pixels(train);
var trainLabels = train.Select(r => classIndex[r.Label]).ToArray();
var testImages = Pixels(test);
var testLabels = test.Select(r => classIndex[r.Label]).ToArray();
var (plainNet, plainSeconds) = PlainTorchSharpLoop.Train(trainImages, trainLabels, epochs, batchSize, lr, dropout, seed);
var (plainProbabilities, _) = PlainTorchSharpLoop.Predict(plainNet, testImages, 256, PlainTorchSharpLoop.MeanImage);
double plainAccuracy = testLabels.Select((label, i) => ArgMax(plainProbabilities.AsSpan(i * 10, 10)) == label ? 1.0 : 0.0).Average();

// 3. Plain batched forward passes of ImageCnn's own trained network (mean subtraction included, as in the pipeline).
var meanImage = ((IEnumerable<ITransformer>)model).OfType<MeanSubtractionTransformer>().Single().GetMeanImage();
using var meanTensor = TorchSharp.torch.tensor(meanImage, [1, 1, 28, 28]);
var (_, forwardSeconds) = PlainTorchSharpLoop.Predict(cnn.Network, testImages, cnn.InferenceBatchSize, meanTensor);

long peakRss = ProcessMemory("VmHWM");

double imagesTrained = (double)train.Length * epochs;
Console.WriteLine();
Console.WriteLine("| measurement | ImageCnn (ML.NET pipeline) | plain TorchSharp | ratio | target |");
Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
Row("training images/s (Fit, data reading included)", imagesTrained / pipelineFitSeconds, imagesTrained / plainSeconds, "≥ 0.95");
Row("training images/s (epochs only)", imagesTrained / pipelineEpochSeconds, imagesTrained / plainSeconds, "≥ 0.95");
Row("inference images/s (Transform vs batched forward)", scoredRows / transformSeconds, test.Length / forwardSeconds, "≥ 0.90");
Console.WriteLine($"| test accuracy | {pipelineAccuracy:P2} | {plainAccuracy:P2} | {(pipelineAccuracy - plainAccuracy) * 100:+0.00;-0.00} points | within 0.5 points |");
Console.WriteLine($"| peak RSS (whole process) | {peakRss / (1024.0 * 1024 * 1024):F2} GB | | | ≤ 1.5 GB |");
return 0;

static void Row(string name, double ours, double reference, string target)
    => Console.WriteLine($"| {name} | {ours:F0} | {reference:F0} | {ours / reference:F3} | {target} |");

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
