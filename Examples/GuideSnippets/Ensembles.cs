using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/ensembles.md</summary>
internal static class Ensembles
{
    internal static void Build(MLContext mlContext, ImageCnnTrainer.Options imageCnnOptions,
        IEstimator<ITransformer> estimatorA, IEstimator<ITransformer> estimatorB, IEstimator<ITransformer> estimatorC)
    {
        // Train 5 members that differ only in their seed (initialisation, shuffling, dropout, augmentation), then average.
        var ensemble = mlContext.MulticlassClassification.Trainers.AverageEnsemble(imageCnnOptions, members: 5);
        // Or any member estimators (ImageCnn / FineTuneImageCnn trainers, or pipelines ending in one):
        var ensemble2 = mlContext.MulticlassClassification.Trainers.AverageEnsemble(estimatorA, estimatorB, estimatorC);
        // Or models already trained, e.g. loaded from zips trained on different machines:
        var ensemble3 = mlContext.Transforms.AverageEnsemble(mlContext.Model.Load("a.zip", out _), mlContext.Model.Load("b.zip", out _));
    }
}
