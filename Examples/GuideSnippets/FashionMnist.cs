using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/fashion-mnist.md</summary>
internal static class FashionMnistPipeline
{
    internal sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
    }

    internal static void Run()
    {
        // using Microsoft.ML; using MLExtensions;   (every catalog method, option and enum of MLExtensions)
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFashionMnist();   // Label (text), Features (float[784], dimensions [1,28,28])

        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
            .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options {
                Architecture = CnnArchitecture.ResNet, Optimizer = OptimizerKind.SgdNesterov, LearningRate = 0.1,
                Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1), WeightDecay = 5e-4, Epochs = 15, BatchSize = 128,
                EarlyStopping = new EarlyStopping(patience: 3), ValidationFraction = 0.1, Device = ComputeDevice.Auto }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        var model = pipeline.Fit(data.Train);                      // statistics come from the training data only
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
        ml.Model.Save(model, data.Train.Schema, "model.zip");

        // Anywhere else, in a fresh process: no registration call is needed.
        var loaded = new MLContext().Model.Load("model.zip", out _);
        var engine = new MLContext().Model.CreatePredictionEngine<FashionMnistImage, Prediction>(loaded);
        // where: class Prediction { public string PredictedLabel { get; set; } = ""; }
        var history = ((IEnumerable<ITransformer>)model).OfType<ImageCnnTransformer>().Single().History;  // learning curves
    }
}
