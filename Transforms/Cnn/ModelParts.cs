using Microsoft.ML;

namespace MLExtensions.Cnn;

/// <summary>The transformers a model is made of, with chains (nested or not) opened up.</summary>
internal static class ModelParts
{
    internal static IEnumerable<ITransformer> Of(ITransformer model)
        => model is IEnumerable<ITransformer> chain ? chain.SelectMany(Of) : [model];

    /// <summary>The last ImageCnn network in the model (the one that scores), or null.</summary>
    internal static ImageCnnTransformer? LastImageCnn(ITransformer model) => Of(model).OfType<ImageCnnTransformer>().LastOrDefault();

    /// <summary>The parts' type names, for messages.</summary>
    internal static string Describe(ITransformer model, string separator) => string.Join(separator, Of(model).Select(t => t.GetType().Name));
}
