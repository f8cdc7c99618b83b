using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/photos.md</summary>
internal static class Photos
{
    internal static ITransformer FromFolder(MLContext mlContext)
    {
        var train = mlContext.Data.LoadImagesFromFolder("photos/train");   // rows of Label and ImagePath
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(mlContext.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
            {
                FeatureColumnName = "Image", ImageHeight = 96, ImageWidth = 96, Epochs = 5,
            }))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        return model;
    }
}
