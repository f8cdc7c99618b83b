// The README's "use from your own app" path, against the packages: train, save, reload in a fresh MLContext, predict.
using Microsoft.ML;
using MLExtensions;

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options { Epochs = 2, Seed = 1, Device = ComputeDevice.Cpu }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(data.Train);
double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;

var path = Path.Combine(Path.GetTempPath(), $"consumer-{Guid.NewGuid():N}.zip");
ml.Model.Save(model, data.Train.Schema, path);
var deployed = new MLContext();
var engine = deployed.Model.CreatePredictionEngine<FashionMnistImage, Prediction>(deployed.Model.Load(path, out _));
var first = deployed.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).First();
var predicted = engine.Predict(first).PredictedLabel;
File.Delete(path);
Console.WriteLine($"consumer: accuracy {accuracy:P1} on the subset's test images; the reloaded model predicts '{predicted}' for a '{first.Label}'.");
return accuracy > 0.5 && predicted.Length > 0 ? 0 : 1;

internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
}
