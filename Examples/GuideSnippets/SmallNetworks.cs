using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/small-networks.md</summary>
internal static class SmallNetworks
{
    internal static ImageCnnTransformer Distill(MLContext ml, ITransformer ensemble, IDataView train)
    {
        var teacher = ensemble;   // any fitted model that reads the student's feature column and writes "Score"
        var student = ml.MulticlassClassification.Trainers.DistillImageCnn(teacher,
            new ImageCnnTrainer.Options { Widths = [16, 32], HiddenUnits = 64, Epochs = 15 },
            new DistillationOptions { Temperature = 2, Alpha = 0.5 }).Fit(train);   // the defaults; an ordinary ImageCnnTransformer
        return student;
    }

    internal static ImageCnnTransformer Prune(MLContext ml, ImageCnnTransformer model, IDataView train)
    {
        var small = model.PruneFilters(0.5);                           // half of every prunable layer's filters
        var custom = model.PruneFilters(new FilterPruningOptions { Fraction = 0.25,
            LayerFractions = new Dictionary<string, double> { ["conv2"] = 0.75 } });   // names from model.PrunableLayers()
        var tuned = ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options {
            Pretrained = PretrainedNetwork.FromModel(small), KeepHead = true, Strategy = FineTuneStrategy.Full,
            LearningRate = 5e-4, Epochs = 3 }).Fit(train);           // recover accuracy; the network stays small
        return tuned;
    }
}
