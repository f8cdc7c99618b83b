using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions;

/// <summary>Moves the networks of a trained or loaded model to the device it should score on.</summary>
public static class ScoringDevice
{
    /// <summary>
    /// <paramref name="model"/> scoring on <paramref name="device"/>: every ImageCnn network in it (inside pipelines
    /// and ensembles too) is copied there; the other steps are shared. <c>mlContext.Model.Load</c> puts networks on
    /// the CPU, so <c>mlContext.Model.Load(path, out _).OnDevice(ComputeDevice.Cuda)</c> scores a saved model on the GPU.
    /// The original model is left as it was; dispose the returned one's networks with it when done.
    /// </summary>
    public static ITransformer OnDevice(this ITransformer model, ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model switch
        {
            ImageCnnTransformer network => network.OnDevice(device),
            AverageEnsembleTransformer ensemble => ensemble.OnDevice(device),
            IEnumerable<ITransformer> chain when IsTransformerChain(model) => new TransformerChain<ITransformer>(chain.Select(step => step.OnDevice(device)).ToArray()),
            _ => model,
        };
    }

    // Fit returns TransformerChain<TLast> for whatever the last step is; every one enumerates its steps.
    private static bool IsTransformerChain(ITransformer model)
        => model.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(TransformerChain<>);
}
