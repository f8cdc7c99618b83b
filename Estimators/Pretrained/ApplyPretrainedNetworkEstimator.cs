using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Cnn;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;
using MLExtensions.Pretrained;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Classifies with a pretrained network as it is (no training): adds the softmax probabilities of the network's own
/// head (<c>Score</c>, slot names from <see cref="PretrainedNetwork.ClassNames"/>) and the most probable class
/// (<c>PredictedLabel</c>). A float-vector input with [C,H,W] dimensions is fed to the network as it is (the
/// normalisation is the user's); an image column (<c>LoadImages</c>, raw image bytes) is resized to the network's
/// input size and, for a torchvision network, standardized with ImageNet's statistics. The fitted transformer is an
/// <see cref="ImageCnnTransformer"/>, saved and loaded like any other.
/// Create it with <c>mlContext.Transforms.ApplyPretrainedNetwork(...)</c>.
/// </summary>
public sealed class ApplyPretrainedNetworkEstimator : IEstimator<ImageCnnTransformer>
{
    private readonly PretrainedNetwork _network;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly string _predictedLabelColumnName;

    internal ApplyPretrainedNetworkEstimator(PretrainedNetwork network, string outputColumnName, string inputColumnName, string predictedLabelColumnName)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(predictedLabelColumnName);
        _network = network;
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _predictedLabelColumnName = predictedLabelColumnName;
    }

    /// <inheritdoc />
    public ImageCnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = ImageColumn.Find(input.Schema, _inputColumnName);
        var networkShape = _network.Description.InputShape;
        var (_, shape) = ImageColumn.HasBytes(column)
            ? (column, networkShape)
            : ImageColumn.Resolve(input.Schema, _inputColumnName, null);
        if (shape.Channels != networkShape.Channels)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Column '{_inputColumnName}' holds {shape.Channels}-channel images, but {_network.Source} takes {networkShape.Channels} channels.");
        var description = PretrainedInputPreset.For(_network.Description, input.Schema, _inputColumnName)
            .Describe(_network.Description with { InputShape = shape });
        var module = _network.CreateNetwork(description);
        var history = new TrainingHistory([], TrainingStopReason.Completed, 0, 0);
        return new ImageCnnTransformer(description, module, CPU, LabelKeys.FromNames(_network.ClassNames, description.ClassCount),
            _inputColumnName, _outputColumnName, _predictedLabelColumnName, history);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, _inputColumnName, out _))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' was not found in the input schema.");
        return CnnOutputSchema.WithClassifierColumns(inputSchema, _outputColumnName, _predictedLabelColumnName, keyValues: null,
            slotNames: _network.ClassNames is not null);
    }
}
