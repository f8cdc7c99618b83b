using Microsoft.ML;
using MLExtensions.Mapping;

namespace MLExtensions.MLNetInternals;

/// <summary>
/// A transformer that maps data one way while a pipeline is being fitted and another way afterwards. ML.NET's
/// <c>EstimatorChain.Fit</c> hands later estimators <c>TransformForTrainingPipeline(data)</c> of transformers that
/// implement its internal <c>ITransformerWithDifferentMappingAtTrainingTime</c>; <c>Transform</c>,
/// <c>PredictionEngine</c> and saved models use the ordinary mapping.
/// </summary>
public abstract class TrainingTimeMappingTransformer : RowMappingTransformer, ITransformerWithDifferentMappingAtTrainingTime
{
    private protected TrainingTimeMappingTransformer()
    {
    }

    IDataView ITransformerWithDifferentMappingAtTrainingTime.TransformForTrainingPipeline(IDataView input) => TransformForTraining(input);

    /// <summary>What estimators after this one see during <c>Fit</c>.</summary>
    public abstract IDataView TransformForTraining(IDataView input);
}
