using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Augmentation;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>
/// Fits <see cref="AugmentImagesTransformer"/>: random augmentation of a planar C×H×W float image column for the
/// estimators after it while the pipeline is fitted, and no change at prediction. Create it with
/// <c>mlContext.Transforms.AugmentImages(...)</c>.
/// </summary>
public sealed class AugmentImagesEstimator : IEstimator<AugmentImagesTransformer>
{
    private readonly IHost _host;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly ImageAugmentation _policy;

    internal AugmentImagesEstimator(IHostEnvironment env, string outputColumnName, ImageAugmentation policy, string? inputColumnName)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentNullException.ThrowIfNull(policy);
        var trainerOnly = policy.Operations.Where(o => o is MixOp or PcaLightingOp).Select(o => o.GetType().Name).Distinct().ToArray();
        if (trainerOnly.Length > 0)
            throw new ArgumentException(
                $"{string.Join(" and ", trainerOnly)} work on whole training batches (mixing labels, fitted lighting statistics): " +
                "give the policy to ImageCnnTrainer.Options.Augmentation instead of AugmentImages.", nameof(policy));
        _host = env.Register(nameof(AugmentImagesEstimator));
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName ?? outputColumnName;
        _policy = policy;
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, _inputColumnName, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' was not found in the input schema.");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.IsKey || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Column '{_inputColumnName}' must be a known-size vector of Single holding planar C×H×W images, but it is {column.Kind} of {column.ItemType}.");
        return SchemaShapes.With(inputSchema, SchemaShapes.Column(_outputColumnName, column.Kind, column.ItemType, false, column.Annotations));
    }

    /// <inheritdoc />
    public AugmentImagesTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (_, shape) = ImageColumn.Resolve(input.Schema, _inputColumnName, null);
        _policy.Check(shape);
        return new AugmentImagesTransformer(_outputColumnName, _inputColumnName, _policy, _policy.Seed ?? _host.Rand.Next());
    }
}
