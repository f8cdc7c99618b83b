using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.MLNetInternals;

namespace MLExtensions.Cnn;

/// <summary>
/// The schema check and output schema of the CNN trainers: a scalar key label, a float-vector or image feature column,
/// and <c>Score</c> / <c>PredictedLabel</c> added.
/// </summary>
internal static class CnnOutputSchema
{
    internal static SchemaShape Of(SchemaShape inputSchema, CnnTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, options.LabelColumnName, out var label))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{options.LabelColumnName}' was not found in the input schema.");
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Label column '{options.LabelColumnName}' must be a scalar key type (class indices), but it is {label.Kind} of {label.ItemType}. " +
                $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{options.LabelColumnName}\") before the trainer.");
        if (!SchemaShapes.TryFind(inputSchema, options.FeatureColumnName, out var features))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Feature column '{options.FeatureColumnName}' was not found in the input schema.");
        bool isImage = features.Kind == SchemaShape.Column.VectorKind.Scalar && features.ItemType is Microsoft.ML.Transforms.Image.ImageDataViewType;
        bool isEncoded = features.Kind == SchemaShape.Column.VectorKind.VariableVector && features.ItemType == NumberDataViewType.Byte;
        if (!isImage && !isEncoded && (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Feature column '{options.FeatureColumnName}' must be a known-size vector of Single holding planar C×H×W images, an image column, " +
                $"or encoded image bytes (LoadRawImageBytes), but it is {features.Kind} of {features.ItemType}.");
        if (isEncoded && (options.ImageHeight is null || options.ImageWidth is null))
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Feature column '{options.FeatureColumnName}' holds encoded image bytes, so the size to decode them to is unknown: set ImageHeight and ImageWidth in the options.");

        bool hasKeyValues = SchemaShapes.TryFind(label.Annotations, "KeyValues", out var keyValues);
        return WithClassifierColumns(inputSchema, options.ScoreColumnName, options.PredictedLabelColumnName, hasKeyValues ? keyValues : null);
    }

    /// <summary>
    /// <paramref name="inputSchema"/> plus a classifier's <c>Score</c> vector (with slot names when the classes have
    /// names) and <c>PredictedLabel</c> key (with <paramref name="keyValues"/> when given).
    /// </summary>
    internal static SchemaShape WithClassifierColumns(SchemaShape inputSchema, string scoreColumnName, string predictedLabelColumnName,
        SchemaShape.Column? keyValues, bool slotNames = false)
    {
        var scoreAnnotations = new List<SchemaShape.Column>
        {
            SchemaShapes.Column("ScoreColumnKind", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
            SchemaShapes.Column("ScoreValueKind", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
        };
        if (keyValues is not null || slotNames)
            scoreAnnotations.Add(SchemaShapes.Column("SlotNames", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false));
        return SchemaShapes.With(inputSchema,
            SchemaShapes.Column(scoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, new SchemaShape(scoreAnnotations)),
            SchemaShapes.Column(predictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
                keyValues is { } values ? new SchemaShape([values]) : null));
    }
}
