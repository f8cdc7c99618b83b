using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions;
using MLExtensions.MLNetInternals;

// ML.NET's loader reads the loader assembly name from a model's header, loads that assembly and scans these
// attributes; that is why a saved model loads in a fresh process with no registration call.
[assembly: LoadableClass(typeof(MeanSubtractionTransformer), typeof(MeanSubtractionLoader), null, typeof(SignatureLoadModel),
    "Mean Subtraction", MeanSubtractionTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(ImageCnnTransformer), typeof(ImageCnnLoader), null, typeof(SignatureLoadModel),
    "Image CNN", ImageCnnTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(AugmentImagesTransformer), typeof(AugmentImagesLoader), null, typeof(SignatureLoadModel),
    "Augment Images", AugmentImagesTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(AverageEnsembleTransformer), typeof(AverageEnsembleLoader), null, typeof(SignatureLoadModel),
    "Average Ensemble", AverageEnsembleTransformer.LoaderSignature)]

namespace MLExtensions.MLNetInternals;

// ML.NET's component catalog calls a static method named Create with exactly these parameters, one per loader type.

internal static class MeanSubtractionLoader
{
    private static MeanSubtractionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        => ModelPersistence.Load(ctx, MeanSubtractionTransformer.ModelFormat, MeanSubtractionTransformer.Load);
}

internal static class ImageCnnLoader
{
    private static ImageCnnTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        => ModelPersistence.Load(ctx, ImageCnnTransformer.ModelFormat, ImageCnnTransformer.Load);
}

internal static class AugmentImagesLoader
{
    private static AugmentImagesTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        => ModelPersistence.Load(ctx, AugmentImagesTransformer.ModelFormat, AugmentImagesTransformer.Load);
}

internal static class AverageEnsembleLoader
{
    private static AverageEnsembleTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        => ModelPersistence.Load(ctx, AverageEnsembleTransformer.ModelFormat, AverageEnsembleTransformer.Load);
}
