using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>Small real data and a tiny network so ImageCnn tests run in well under a second each.</summary>
internal static class CnnTestData
{
    internal sealed record Keyed(MLContext Ml, IDataView Train, IDataView Test, ITransformer KeyMap);

    /// <summary>The first <paramref name="trainRows"/> training images of the embedded Fashion-MNIST subset, labels mapped to keys.</summary>
    internal static Keyed Load(int trainRows = 256, int testRows = 200, int seed = 1)
    {
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keyMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        return new Keyed(ml,
            keyMap.Transform(ml.Data.TakeRows(data.Train, trainRows)),
            keyMap.Transform(ml.Data.TakeRows(data.Test, testRows)),
            keyMap);
    }

    internal static ImageCnnTrainer.Options Tiny(Action<ImageCnnTrainer.Options>? configure = null)
    {
        var options = new ImageCnnTrainer.Options
        {
            Widths = [4, 8],
            HiddenUnits = 16,
            Epochs = 2,
            BatchSize = 32,
            Seed = 7,
            Device = ComputeDevice.Cpu,
        };
        configure?.Invoke(options);
        return options;
    }

    internal static ImageCnnTransformer Fit(Keyed data, ImageCnnTrainer.Options options)
        => data.Ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(data.Train);

    internal static float[][] Scores(ITransformer model, IDataView data) => TestData.ReadVectors(model.Transform(data), "Score");

    /// <summary>All weights and buffers of a network, flattened, in state-dict order.</summary>
    internal static float[] Weights(nn.Module module)
        => module.state_dict().Where(p => p.Value.dtype == ScalarType.Float32)
            .SelectMany(p => p.Value.cpu().data<float>().ToArray()).ToArray();

    internal static double Accuracy(Keyed data, ITransformer model)
        => data.Ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;
}
