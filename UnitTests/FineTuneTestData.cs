using Microsoft.ML;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>
/// The transfer task in miniature, on the embedded subset: a tiny network pretrained on the first five classes,
/// and the other five classes with few images per class to fine-tune on.
/// </summary>
internal sealed class FineTuneTestData
{
    internal static readonly string[] PretrainClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"];

    private static readonly Lazy<FineTuneTestData> Shared = new(() => new FineTuneTestData());

    internal static FineTuneTestData Instance => Shared.Value;

    private FineTuneTestData()
    {
        Ml = new MLContext(seed: 1);
        var data = Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var train = Ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, reuseRowObject: false).ToArray();
        var test = Ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).ToArray();

        var pretrainRows = train.Where(r => PretrainClasses.Contains(r.Label)).ToArray();
        var pretrainView = Ml.Data.LoadFromEnumerable(pretrainRows);
        var pretrainKeys = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(pretrainView);
        PretrainData = pretrainKeys.Transform(pretrainView);
        Pretrained = Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Epochs = 3)).Fit(PretrainData);
        PretrainKeys = pretrainKeys;

        var newTrain = train.Where(r => !PretrainClasses.Contains(r.Label)).GroupBy(r => r.Label).SelectMany(g => g.Take(40)).ToArray();
        var newTest = test.Where(r => !PretrainClasses.Contains(r.Label)).ToArray();
        var newTrainView = Ml.Data.LoadFromEnumerable(newTrain);
        var keys = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(newTrainView);
        NewTrain = keys.Transform(newTrainView);
        NewTest = keys.Transform(Ml.Data.LoadFromEnumerable(newTest));
        NewTrainRows = newTrain;
        NewTestRows = newTest;
    }

    public MLContext Ml { get; }
    public IDataView PretrainData { get; }
    public ITransformer PretrainKeys { get; }
    public ImageCnnTransformer Pretrained { get; }

    /// <summary>40 training images of each of the five other classes, labels as keys.</summary>
    public IDataView NewTrain { get; }
    public IDataView NewTest { get; }
    public FashionMnistImage[] NewTrainRows { get; }
    public FashionMnistImage[] NewTestRows { get; }

    internal static FineTuneTrainer.Options Options(PretrainedNetwork pretrained, FineTuneStrategy strategy, Action<FineTuneTrainer.Options>? configure = null)
    {
        var options = new FineTuneTrainer.Options
        {
            Pretrained = pretrained,
            Strategy = strategy,
            Epochs = 3,
            BatchSize = 32,
            LearningRate = 3e-3,
            Seed = 11,
            Device = ComputeDevice.Cpu,
        };
        configure?.Invoke(options);
        return options;
    }

    internal ImageCnnTransformer FineTune(FineTuneTrainer.Options options, IDataView? train = null)
        => Ml.MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(train ?? NewTrain);

    internal double Accuracy(ITransformer model) => Ml.MulticlassClassification.Evaluate(model.Transform(NewTest)).MicroAccuracy;

    /// <summary>The state of the network <paramref name="pretrained"/> holds, before any fine-tuning.</summary>
    internal static Dictionary<string, float[]> State(PretrainedNetwork pretrained)
    {
        using var network = pretrained.CreateNetwork();
        return State(network);
    }

    /// <summary>Every parameter and buffer by name, copied to the CPU.</summary>
    internal static Dictionary<string, float[]> State(nn.Module network)
        => network.state_dict().ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).cpu().data<float>().ToArray());
}
