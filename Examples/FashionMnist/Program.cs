// Fashion-MNIST end to end in an ordinary ML.NET pipeline: a CNN trained with MLExtensions' ImageCnn.
//   dotnet run -c Release --project Examples/FashionMnist [-- --subset] [--data DIR] [--model PATH] [--epochs N] [--augment] [--logs DIR]
// Uses the full data set when installed (apt-get install -y dataset-fashion-mnist, or FASHION_MNIST_DIR),
// otherwise the 2,000 + 1,000 image subset shipped inside MLExtensions.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Examples.Shared;
using MLExtensions;

var options = ExampleOptions.Parse(args);
var clock = Stopwatch.StartNew();
void Step(string message) => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFashionMnist(options.Source, options.DataDirectory);
Step($"Fashion-MNIST from {data.Origin}{(data.IsSubset ? " (install dataset-fashion-mnist for the full 60,000 + 10,000 images)" : "")}");

// Look at the data augmentation before training with it (used for training with --augment).
var augmentation = new ImageAugmentation(seed: 7).HorizontalFlip(0.5).RandomCrop(padding: 2).RandomErasing(0.25, maxArea: 0.15);
augmentation.Preview(data.Test, "Features", options.PreviewPath, rows: 4, variants: 8);
Step($"Wrote {options.PreviewPath}: 4 test images, each followed by 8 augmented variants");

var progress = new EpochProgress();
// Watching training: per-layer gradient health, TensorBoard event files, and a report after training.
var gradients = new GradientHealthMonitor { EverySteps = 100 };
var tensorBoard = new TensorBoardLogger(Path.Combine(options.LogDirectory, "tensorboard"));
var trainerOptions = new ImageCnnTrainer.Options
    {
        Architecture = CnnArchitecture.SimpleConvNet,
        Optimizer = OptimizerKind.AdamW,
        LearningRate = 2e-3,
        WeightDecay = 1e-4,
        Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1),
        Dropout = 0.3,
        Augmentation = options.Augment ? augmentation : null,
        Epochs = options.Epochs,
        BatchSize = 128,
        Device = options.Device,
        OnProgress = progress.Update,
        OnEpochEnd = progress.Complete,
        Callbacks = { gradients, tensorBoard },
    };
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(trainerOptions))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

Step($"Training ImageCnn (SimpleConvNet, AdamW, cosine schedule, {options.Epochs} epochs{(options.Augment ? ", augmented" : "")}) on {ComputeDeviceResolver.Resolve(options.Device).type}...");
var model = progress.Run(() => pipeline.Fit(data.Train));
Step("Trained.");

var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
Step($"Test accuracy: {metrics.MicroAccuracy:P2} (macro {metrics.MacroAccuracy:P2}), log-loss {metrics.LogLoss:F4}");
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// The report reads the test images as the network sees them: labels as keys, the mean subtracted.
var network = model.OfType<ImageCnnTransformer>().Single();
var preprocessed = model.Take(2).Aggregate(data.Test, (view, step) => step.Transform(view));
foreach (var diagnosis in network.DiagnoseCurves())
    Step($"Curves: {diagnosis}");
var report = TrainingReport.Write(Path.Combine(options.LogDirectory, "report"), network, preprocessed,
    new TrainingReportOptions { Title = "Fashion-MNIST main job", TrainingOptions = trainerOptions, Gradients = gradients });
Step($"Wrote the training report: {Path.GetFullPath(report)}");
Step($"TensorBoard logs: {Path.GetFullPath(tensorBoard.LogDirectory)} (view with: tensorboard --logdir \"{tensorBoard.LogDirectory}\")");

ml.Model.Save(model, data.Train.Schema, options.ModelPath);
Step($"Saved {options.ModelPath} ({new FileInfo(options.ModelPath).Length / 1024} KiB)");

// Reload with a fresh MLContext, as a deployed application would (models load on the CPU), and check it predicts the
// same: bit for bit when it was trained on the CPU; within a tolerance after CUDA, whose kernels (TF32 convolutions,
// another summation order) round differently.
var deployed = new MLContext();
var reloaded = deployed.Model.Load(options.ModelPath, out _);
var original = Scores(model.Transform(data.Test));
var restored = Scores(reloaded.Transform(data.Test));
bool trainedOnCpu = network.Device.type == TorchSharp.DeviceType.CPU;
float tolerance = trainedOnCpu ? 0f : 5e-3f;
var differences = original.Zip(restored, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).ToArray();
int differing = differences.Count(d => d > tolerance);
var reloadedAccuracy = deployed.MulticlassClassification.Evaluate(reloaded.Transform(data.Test)).MicroAccuracy;
Step($"Reloaded model on the CPU: accuracy {reloadedAccuracy:P2}, {differing} of {original.Count} score vectors differ from the original " +
     (trainedOnCpu ? "" : $"by more than {tolerance} ") + $"(largest difference {differences.Max():G3})");

var engine = deployed.Model.CreatePredictionEngine<FashionMnistImage, Prediction>(reloaded);
var sample = deployed.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).First();
Step($"PredictionEngine on the first test image: predicted '{engine.Predict(sample).PredictedLabel}', actual '{sample.Label}'");
return differing == 0 ? 0 : 1;

static List<float[]> Scores(IDataView scored) =>
    scored.GetColumn<VBuffer<float>>("Score").Select(score => score.DenseValues().ToArray()).ToList();

internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
}

internal sealed record ExampleOptions(FashionMnistSource Source, string? DataDirectory, string ModelPath, int Epochs, ComputeDevice Device,
    bool Augment, string PreviewPath, string LogDirectory)
{
    public static ExampleOptions Parse(string[] args)
    {
        var result = new ExampleOptions(FashionMnistSource.Auto, null, "model.zip", 12, ComputeDevice.Auto, false, "augmentation-preview.png", "training-logs");
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            result = args[i] switch
            {
                "--subset" => result with { Source = FashionMnistSource.EmbeddedSubset },
                "--full" => result with { Source = FashionMnistSource.Full },
                "--data" => result with { DataDirectory = Value() },
                "--model" => result with { ModelPath = Value() },
                "--epochs" => result with { Epochs = int.Parse(Value()) },
                "--device" => result with { Device = Enum.Parse<ComputeDevice>(Value(), ignoreCase: true) },
                "--augment" => result with { Augment = true },
                "--preview" => result with { PreviewPath = Value() },
                "--logs" => result with { LogDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --subset, --full, --data DIR, --model PATH, --epochs N, --device auto|cpu|cuda, --augment, --preview PNG, --logs DIR."),
            };
        }
        return result;
    }
}
