using MLExtensions.Architectures;
using MLExtensions.Cnn;
using MLExtensions.UnitTests.ToyFamily;
using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>
/// A family added from outside the library (UnitTests/ToyFamily: one file, one registration) trains, fine-tunes, and
/// round-trips through the model zip with its own config, like the built-in families.
/// </summary>
[TestClass]
public sealed class AddingAFamilyTests
{
    private static readonly Lazy<bool> Registration = new(() =>
    {
        NetworkFamilies.Register(new ToyFamily.ToyFamily());
        return true;
    });

    [TestInitialize]
    public void RegisterTheToyFamily() => _ = Registration.Value;

    [TestMethod]
    public void ARegisteredFamilyTrainsFromScratchAndReloads()
    {
        var data = CnnTestData.Load(trainRows: 512);
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.Architecture = CnnArchitecture.Registered;
            o.FamilyName = ToyFamily.ToyFamily.FamilyName;
            o.Epochs = 4;
            o.LearningRate = 1e-2;
        }));
        var accuracy = data.Ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;
        Assert.IsGreaterThan(0.3, accuracy, "ten classes: chance is 0.10");

        var reloaded = SaveAndLoad(data.Ml, model, data.Train);
        Assert.AreEqual(model.Description, reloaded.Description);
        AssertSameScores(CnnTestData.Scores(model, data.Test), CnnTestData.Scores(reloaded, data.Test));
    }

    [TestMethod]
    public void ARegisteredFamilysConfigIsSavedReadAndUsedWhenFineTuning()
    {
        var data = FineTuneTestData.Instance;
        var description = new NetworkDescription
        {
            Architecture = CnnArchitecture.Registered,
            FamilyName = ToyFamily.ToyFamily.FamilyName,
            FamilyConfig = new ToyConfig(Width: 12),
            InputShape = new ImageShape(1, 28, 28),
            ClassCount = 5,
        };
        using var temp = new TempDirectory();
        var weights = Path.Combine(temp.Path, "toy.dat");
        using (var network = NetworkFactory.Create(description))
            network.save(weights);
        var pretrained = PretrainedNetwork.FromStateDict(weights, description);

        var model = data.FineTune(FineTuneTestData.Options(pretrained, FineTuneStrategy.TopBlocks(1), o => (o.Epochs, o.LearningRate) = (6, 3e-2)));
        Assert.AreEqual(new ToyConfig(12), model.Description.FamilyConfig);
        var reloaded = SaveAndLoad(data.Ml, model, data.NewTrain);
        Assert.AreEqual(new ToyConfig(12), reloaded.Description.FamilyConfig);
        var trained = FineTuneTestData.State(model.Network);
        Assert.HasCount(12 * 1 * 3 * 3, trained["stem.0.weight"], "12 filters of 3×3 over one channel");
        AssertSameScores(CnnTestData.Scores(model, data.NewTest), CnnTestData.Scores(reloaded, data.NewTest));
        // TopBlocks(1) trains the last stage and the head: the stem keeps the saved weights, the body does not.
        var saved = FineTuneTestData.State(pretrained);
        CollectionAssert.AreEqual(saved["stem.0.weight"], trained["stem.0.weight"]);
        CollectionAssert.AreNotEqual(saved["body.0.weight"], trained["body.0.weight"]);
        Assert.IsGreaterThan(0.4, data.Accuracy(model), "five classes: chance is 0.20");
    }

    [TestMethod]
    public void AFamilyNameTakenTwiceIsRefused()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NetworkFamilies.Register(new ToyFamily.ToyFamily()));
        StringAssert.Contains(error.Message, "'Toy' is already registered");
    }

    private static void AssertSameScores(float[][] expected, float[][] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
    }

    private static ImageCnnTransformer SaveAndLoad(MLContext ml, ITransformer model, IDataView data)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        return (ImageCnnTransformer)ml.Model.Load(stream, out _);
    }
}
