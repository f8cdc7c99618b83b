using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/fine-tuning.md</summary>
internal static class FineTuning
{
    internal static ITransformer FromOwnModel(MLContext mlContext, IDataView fewImages)
    {
        var pretrained = PretrainedNetwork.FromModelFile("clothes-model.zip");   // or FromModel(fitted), FromStateDict(path, description)
        var fineTune = mlContext.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
        {
            Pretrained = pretrained,
            Strategy = FineTuneStrategy.TopBlocks(2),          // LinearProbe, TopBlocks(n), Full, Gradual(k, e), Auto
            LearningRate = 4e-3, BlockLearningRateMultiplier = 0.5,
            Epochs = 10, /* everything ImageCnnTrainer.Options has except the architecture */
        });
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label").Append(fineTune).Fit(fewImages);
        return model;
    }
}
