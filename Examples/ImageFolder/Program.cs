// Train an image classifier from a folder of photos: root/<class>/*.jpg.
//   dotnet run -c Release --project Examples/ImageFolder [-- --folder PATH --test-folder PATH] [--size 96] [--epochs 5]
// Without --folder it generates colour photos from Fashion-MNIST (tinted garments on coloured backgrounds) to try it on.
using System.Diagnostics;
using Examples.Shared;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;

string? folder = null, testFolder = null;
int size = 96, epochs = 5, generated = 3000;
for (int i = 0; i < args.Length; i++)
    switch (args[i])
    {
        case "--folder": folder = args[++i]; break;
        case "--test-folder": testFolder = args[++i]; break;
        case "--size": size = int.Parse(args[++i]); break;
        case "--epochs": epochs = int.Parse(args[++i]); break;
        case "--generate": generated = int.Parse(args[++i]); break;
        default: throw new ArgumentException($"Unknown option {args[i]} (use --folder PATH, --test-folder PATH, --size N, --epochs N, --generate N).");
    }

var ml = new MLContext(seed: 1);
if (folder is null)
{
    var fashion = ml.Data.LoadFashionMnist();
    var root = Path.Combine(Path.GetTempPath(), "mlextensions-photos");
    folder = Path.Combine(root, $"train-{size}");
    testFolder = Path.Combine(root, $"test-{size}");
    Console.WriteLine($"No --folder given: writing {generated} training and {generated / 5} test colour photos ({size}×{size}) made from Fashion-MNIST to {root}");
    TintedFashionMnist.WriteFolder(ml, fashion.Train, folder, generated, size, seed: 1);
    TintedFashionMnist.WriteFolder(ml, fashion.Test, testFolder, generated / 5, size, seed: 2);
}

// Rows of Label (the sub-folder's name) and ImagePath; the trainer decodes and resizes the files' bytes itself.
var train = ml.Data.LoadImagesFromFolder(folder);
var progress = new EpochProgress();
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
    {
        FeatureColumnName = "Image",
        ImageHeight = size,
        ImageWidth = size,
        Epochs = epochs,
        ValidationFraction = 0.1,
        OnProgress = progress.Update,
        OnEpochEnd = progress.Complete,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

var clock = Stopwatch.StartNew();
var model = progress.Run(() => pipeline.Fit(train));
Console.WriteLine($"Trained in {clock.Elapsed.TotalMinutes:F1} min.");
if (testFolder is not null)
{
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadImagesFromFolder(testFolder)));
    Console.WriteLine($"Test accuracy {metrics.MicroAccuracy:P2}, log-loss {metrics.LogLoss:F4}");
}

var path = Path.Combine(Environment.CurrentDirectory, "image-folder-model.zip");
ml.Model.Save(model, train.Schema, path);
var reloaded = ml.Model.Load(path, out _);
var engine = ml.Model.CreatePredictionEngine<Photo, Prediction>(reloaded);
var file = Directory.EnumerateFiles(testFolder ?? folder, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
var prediction = engine.Predict(new Photo { ImagePath = file });
Console.WriteLine($"Saved {path} ({new FileInfo(path).Length / 1e6:F1} MB); reloaded, it predicts '{prediction.PredictedLabel}' " +
                  $"({prediction.Score.Max():P1}) for {file} (folder '{Path.GetFileName(Path.GetDirectoryName(file))}').");

/// <summary>One photo to classify: its file (Label may stay empty).</summary>
internal sealed class Photo
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}
