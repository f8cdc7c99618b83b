using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/getting-started.md</summary>
internal static class GettingStarted
{
    internal static ImageCnnTrainer.Options Progress(MLContext ml)
    {
        // Every step: epoch, step, running loss and accuracy (here one line every 50 steps).
        var options = new ImageCnnTrainer.Options
        {
            FeatureColumnName = "Image", ImageHeight = 128, ImageWidth = 128,
            OnProgress = p => { if (p.Step % 50 == 0) Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}, step {p.Step}/{p.Steps}: loss {p.Loss:F3}"); },
            OnEpochEnd = epoch => Console.WriteLine(epoch),
        };
        // Or everything the trainer logs (the choices it made, the data it read, warnings), through ML.NET's log:
        ml.Log += (_, e) => { if (e.Kind != ChannelMessageKind.Trace) Console.WriteLine(e.Message); };
        return options;
    }

    internal static void Evaluate(MLContext ml, ITransformer model)
    {
        var test = ml.Data.LoadImagesFromFolder("photos-test");   // held-out photos, same layout
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"accuracy {metrics.MicroAccuracy:P1}, log-loss {metrics.LogLoss:F3}");
    }
}
