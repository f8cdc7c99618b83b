using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLExtensions.Cnn;

/// <summary>The trainer a set of CNN options belongs to.</summary>
internal static class CnnTrainers
{
    internal static IEstimator<ImageCnnTransformer> For(IHostEnvironment env, CnnTrainingOptions options) => options switch
    {
        ImageCnnTrainer.Options o => new ImageCnnTrainer(env, o),
        FineTuneTrainer.Options o => new FineTuneTrainer(env, o),
        _ => throw new ArgumentException($"Expected ImageCnn or FineTuneImageCnn options, not {options.GetType().Name}.", nameof(options)),
    };
}
