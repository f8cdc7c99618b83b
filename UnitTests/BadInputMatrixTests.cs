using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

/// <summary>
/// Malformed input, case by case: what each model kind does with it at prediction (PredictionEngine and Transform) and
/// what training does with it. Every case is one line of <see cref="Cases"/>; the outcome is either an
/// <see cref="InvalidImageInputException"/> whose message names the column and row (and says what was expected and
/// what the row holds), or NaN scores with a missing PredictedLabel, never a class and never pixels of another row.
/// </summary>
[TestClass]
public sealed class BadInputMatrixTests
{
    private const int Side = 8, Size = Side * Side, Rows = 300, BadRow = 270;

    /// <summary>The three model kinds that score images: ImageCnn, ApplyPretrainedNetwork and AverageEnsemble.</summary>
    public enum Model { ImageCnn, Pretrained, Ensemble }

    /// <summary>Where the input goes: one PredictionEngine call, a Transform over <see cref="Rows"/> rows, or training.</summary>
    public enum Stage { PredictionEngine, Transform, Training, TrainingSkippingNonFinite }

    /// <summary>The outcome a case expects.</summary>
    public enum Outcome { Refused, NaNScoresAndMissingLabel, TrainedWithoutTheRow }

    private static readonly (string Name, Model Model, Stage Stage, Func<float[]?> Image, Outcome Outcome, string[] Message)[] Cases =
    [
        ("short vector", Model.ImageCnn, Stage.PredictionEngine, () => Filled(50), Outcome.Refused, ["holds 50 floats", "[1, 8, 8] (64 floats)"]),
        ("long vector", Model.ImageCnn, Stage.PredictionEngine, () => Filled(80), Outcome.Refused, ["holds 80 floats", "(64 floats)"]),
        ("null", Model.ImageCnn, Stage.PredictionEngine, () => null, Outcome.Refused, ["holds no image", "[1, 8, 8]"]),
        ("short, in a batch", Model.ImageCnn, Stage.Transform, () => Filled(50), Outcome.Refused, [$"row {BadRow}", "holds 50 floats"]),
        ("null, in a batch", Model.ImageCnn, Stage.Transform, () => null, Outcome.Refused, [$"row {BadRow}", "holds no image"]),
        ("NaN pixel", Model.ImageCnn, Stage.PredictionEngine, () => WithPixel(float.NaN), Outcome.NaNScoresAndMissingLabel, []),
        ("+∞ pixel", Model.ImageCnn, Stage.PredictionEngine, () => WithPixel(float.PositiveInfinity), Outcome.NaNScoresAndMissingLabel, []),
        ("−∞ pixel", Model.ImageCnn, Stage.PredictionEngine, () => WithPixel(float.NegativeInfinity), Outcome.NaNScoresAndMissingLabel, []),
        ("NaN pixel, in a batch", Model.ImageCnn, Stage.Transform, () => WithPixel(float.NaN), Outcome.NaNScoresAndMissingLabel, []),

        ("short vector", Model.Pretrained, Stage.PredictionEngine, () => Filled(50), Outcome.Refused, ["holds 50 floats", "(64 floats)"]),
        ("null", Model.Pretrained, Stage.PredictionEngine, () => null, Outcome.Refused, ["holds no image"]),
        ("short, in a batch", Model.Pretrained, Stage.Transform, () => Filled(50), Outcome.Refused, [$"row {BadRow}", "holds 50 floats"]),
        ("NaN pixel", Model.Pretrained, Stage.PredictionEngine, () => WithPixel(float.NaN), Outcome.NaNScoresAndMissingLabel, []),
        ("+∞ pixel, in a batch", Model.Pretrained, Stage.Transform, () => WithPixel(float.PositiveInfinity), Outcome.NaNScoresAndMissingLabel, []),

        ("short vector", Model.Ensemble, Stage.PredictionEngine, () => Filled(50), Outcome.Refused, ["holds 50 floats", "(64 floats)"]),
        ("null", Model.Ensemble, Stage.PredictionEngine, () => null, Outcome.Refused, ["holds no image"]),
        ("short, in a batch", Model.Ensemble, Stage.Transform, () => Filled(50), Outcome.Refused, [$"row {BadRow}", "holds 50 floats"]),
        ("NaN pixel", Model.Ensemble, Stage.PredictionEngine, () => WithPixel(float.NaN), Outcome.NaNScoresAndMissingLabel, []),
        ("−∞ pixel, in a batch", Model.Ensemble, Stage.Transform, () => WithPixel(float.NegativeInfinity), Outcome.NaNScoresAndMissingLabel, []),

        ("short row", Model.Pretrained, Stage.Training, () => Filled(50), Outcome.Refused, [$"row {BadRow}", "holds 50 floats"]),
        ("null row", Model.Pretrained, Stage.Training, () => null, Outcome.Refused, [$"row {BadRow}", "holds no image"]),
        ("short row", Model.Ensemble, Stage.Training, () => Filled(50), Outcome.Refused, [$"row {BadRow}", "holds 50 floats"]),
        ("null row", Model.Ensemble, Stage.Training, () => null, Outcome.Refused, [$"row {BadRow}", "holds no image"]),

        ("short row", Model.ImageCnn, Stage.Training, () => Filled(50), Outcome.Refused, [$"row {BadRow}", "holds 50 floats"]),
        ("long row", Model.ImageCnn, Stage.Training, () => Filled(80), Outcome.Refused, [$"row {BadRow}", "holds 80 floats"]),
        ("null row", Model.ImageCnn, Stage.Training, () => null, Outcome.Refused, [$"row {BadRow}", "holds no image"]),
        ("NaN row", Model.ImageCnn, Stage.Training, () => WithPixel(float.NaN), Outcome.Refused, [$"row {BadRow}", "training data", "NaN", "SkipNonFiniteImages"]),
        ("∞ row", Model.ImageCnn, Stage.Training, () => WithPixel(float.PositiveInfinity), Outcome.Refused, [$"row {BadRow}", "(Infinity)", "element 10"]),
        ("NaN row, skipped", Model.ImageCnn, Stage.TrainingSkippingNonFinite, () => WithPixel(float.NaN), Outcome.TrainedWithoutTheRow, []),
        ("short row, not skipped by that option", Model.ImageCnn, Stage.TrainingSkippingNonFinite, () => Filled(50), Outcome.Refused, ["holds 50 floats"]),
    ];

    public static IEnumerable<object[]> CaseNames => Cases.Select(c => new object[] { $"{c.Model}, {c.Stage}: {c.Name}" });

    private static MLContext _ml = null!;
    private static ITransformer _keys = null!;
    private static IDataView _training = null!;
    private static Dictionary<Model, ITransformer> _models = null!;

    [ClassInitialize]
    public static void TrainTheModels(TestContext _)
    {
        _ml = new MLContext(seed: 1);
        _keys = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(Data(_ml, null));
        _training = _keys.Transform(Data(_ml, null));
        var first = Train(seed: 1);
        _models = new()
        {
            [Model.ImageCnn] = first,
            [Model.Pretrained] = _ml.Transforms.ApplyPretrainedNetwork(PretrainedNetwork.FromModel(first)).Fit(_training),
            [Model.Ensemble] = _ml.Transforms.AverageEnsemble(first, Train(seed: 2)),
        };
    }

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void BadInputGivesItsExpectedOutcome(string name)
    {
        var (_, model, stage, image, outcome, message) = Cases.Single(c => $"{c.Model}, {c.Stage}: {c.Name}" == name);
        Exception? thrown = null;
        try
        {
            switch (stage)
            {
                case Stage.PredictionEngine: CheckPrediction(Predict(model, image()), outcome); break;
                case Stage.Transform: CheckPrediction(TransformRow(model, image(), BadRow), outcome); break;
                default: CheckTraining(model, stage == Stage.TrainingSkippingNonFinite, image()); break;
            }
        }
        catch (InvalidImageInputException e)
        {
            thrown = e;
        }
        if (outcome != Outcome.Refused)
        {
            Assert.IsNull(thrown, $"refused: {thrown?.Message}");
            return;
        }
        Assert.IsNotNull(thrown, "the input was accepted");
        StringAssert.Contains(thrown.Message, "Column 'Features'");
        foreach (var part in message)
            StringAssert.Contains(thrown.Message, part);
    }

    private static void CheckPrediction(Scored scored, Outcome outcome)
    {
        Assert.AreEqual(Outcome.NaNScoresAndMissingLabel, outcome, "scored without complaint");
        Assert.IsTrue(scored.Score.All(float.IsNaN), $"scores {string.Join(", ", scored.Score)}");
        Assert.AreEqual(0u, scored.PredictedLabel, "a class was predicted for a non-finite input");
    }

    /// <summary>Trains on the data with the bad row: ImageCnn, FineTuneImageCnn from the first model, or an ensemble of two ImageCnns.</summary>
    private static void CheckTraining(Model model, bool skipNonFinite, float[]? image)
    {
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
                warnings.Add(e.Message);
        };
        var trainers = ml.MulticlassClassification.Trainers;
        IEstimator<ITransformer> trainer = model switch
        {
            Model.Pretrained => trainers.FineTuneImageCnn(new FineTuneTrainer.Options
            {
                Pretrained = PretrainedNetwork.FromModel((ImageCnnTransformer)_models[Model.ImageCnn]), Epochs = 1, BatchSize = 32, Seed = 1, Device = ComputeDevice.Cpu,
            }),
            Model.Ensemble => trainers.AverageEnsemble(trainers.ImageCnn(Options(seed: 1, skipNonFinite)), trainers.ImageCnn(Options(seed: 2, skipNonFinite))),
            _ => trainers.ImageCnn(Options(seed: 1, skipNonFinite)),
        };
        trainer.Fit(_keys.Transform(Data(ml, (BadRow, image))));
        if (!skipNonFinite)
            return;
        Assert.IsTrue(warnings.Any(w => w.Contains($"left out 1 training images holding NaN or infinite values (SkipNonFiniteImages): row {BadRow}")),
            $"no warning names the skipped row; warnings: {string.Join(" | ", warnings)}");
    }

    private static Scored Predict(Model model, float[]? image)
    {
        // Two good predictions first: a bad input must not be completed with, or answered by, an earlier call's pixels.
        using var engine = _ml.Model.CreatePredictionEngine<ImageRow, Scored>(_models[model], new PredictionEngineOptions { OwnsTransformer = false });
        engine.Predict(new ImageRow { Features = Filled(Size, 0.9f) });
        engine.Predict(new ImageRow { Features = Filled(Size, 0.1f) });
        return engine.Predict(new ImageRow { Features = image! });
    }

    private static Scored TransformRow(Model model, float[]? image, int row)
        => _ml.Data.CreateEnumerable<Scored>(_models[model].Transform(Data(_ml, (row, image))), reuseRowObject: false).ElementAt(row);

    private static ImageCnnTransformer Train(int seed)
        => _ml.MulticlassClassification.Trainers.ImageCnn(Options(seed, skipNonFinite: false)).Fit(_training);

    private static ImageCnnTrainer.Options Options(int seed, bool skipNonFinite) => new()
    {
        Architecture = CnnArchitecture.SimpleConvNet, Widths = [16, 32], HiddenUnits = 16, Epochs = 1, BatchSize = 32,
        Seed = seed, Device = ComputeDevice.Cpu, SkipNonFiniteImages = skipNonFinite,
    };

    /// <summary><see cref="Rows"/> labelled rows of random images, one of them replaced.</summary>
    private static IDataView Data(MLContext ml, (int Row, float[]? Image)? replaced)
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, Rows).Select(i => new LabelledImageRow
        {
            Label = (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Features = replaced is { } r && r.Row == i ? r.Image! : [.. Enumerable.Range(0, Size).Select(_ => (float)random.NextDouble() + i % 3)],
        });
        return ml.Data.LoadFromEnumerable(rows);
    }

    private static float[] Filled(int length, float value = 0.5f) => Enumerable.Repeat(value, length).ToArray();

    private static float[] WithPixel(float value)
    {
        var image = Filled(Size);
        image[10] = value;
        return image;
    }

    private sealed class ImageRow
    {
        [VectorType(1, Side, Side)]
        public float[] Features { get; set; } = [];
    }

    private sealed class LabelledImageRow
    {
        public string Label { get; set; } = "";

        [VectorType(1, Side, Side)]
        public float[] Features { get; set; } = [];
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }
}
