using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLExtensions.Distillation;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class DistillationTests
{
    private static readonly Lazy<(CnnTestData.Keyed Data, ImageCnnTransformer Teacher)> Shared = new(() =>
    {
        var data = CnnTestData.Load();
        return (data, CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 12; o.Seed = 11; })));
    });

    [TestMethod]
    public void SoftLossIsTemperatureSquaredTimesTheKlDivergenceFromTheSoftenedTeacher()
    {
        double[][] student = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]];
        double[][] teacher = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]];
        const double temperature = 2.5;

        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var pt = Softmax(teacher[i].Select(p => Math.Log(p) / temperature).ToArray());
            var ps = Softmax(student[i].Select(z => z / temperature).ToArray());
            expected += Enumerable.Range(0, 3).Sum(k => pt[k] * Math.Log(pt[k] / ps[k]));
        }
        expected = expected / 2 * temperature * temperature;

        using var scope = NewDisposeScope();
        var loss = DistillationObjective.SoftLoss(Matrix(student), Matrix(teacher), temperature).item<float>();
        Assert.AreEqual(expected, loss, 1e-6);
        Assert.AreEqual(0, DistillationObjective.SoftLoss(Matrix(teacher).log(), Matrix(teacher), 3).item<float>(), 1e-6,
            "a student whose logits are the teacher's log-probabilities has nothing left to learn");
    }

    [TestMethod]
    public void LossMixesTheTeachersTermWithCrossEntropyOnTheLabels()
    {
        var (data, teacherModel) = Shared.Value;
        var images = TestData.ReadVectors(data.Test, "Features").Take(6).ToArray();
        var labels = data.Ml.Data.CreateEnumerable<KeyRow>(data.Test, reuseRowObject: false).Take(6).Select(r => (long)r.Label - 1).ToArray();
        var teacherScores = CnnTestData.Scores(teacherModel, data.Test).Take(6).ToArray();
        var teacher = new TeacherProbabilities(teacherModel, TeacherInputs.For(data.Test.Schema["Features"], FashionMnist.Shape), "Score", 10, keep: false);
        var options = new DistillationOptions { Temperature = 3, Alpha = 0.3 };
        var objective = new DistillationObjective(teacher, options, labelSmoothing: 0);

        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var logits = randn(6, 10);
        var batch = new TrainingBatch(tensor(images.SelectMany(x => x).ToArray(), [6, 1, 28, 28]), tensor(labels), null, [0, 1, 2, 3, 4, 5]);
        double actual = objective.Loss(logits, batch).item<float>();

        var z = ToArrays(logits);
        double soft = 0, hard = 0;
        for (int i = 0; i < 6; i++)
        {
            var pt = Softmax(teacherScores[i].Select(p => Math.Log(Math.Max(p, 1e-12)) / 3).ToArray());
            var ps = Softmax(z[i].Select(v => v / 3).ToArray());
            soft += Enumerable.Range(0, 10).Sum(k => pt[k] * Math.Log(pt[k] / ps[k]));
            hard -= Math.Log(Softmax(z[i])[labels[i]]);
        }
        double expected = 0.3 * 9 * soft / 6 + 0.7 * hard / 6;
        Assert.AreEqual(expected, actual, 1e-4 * Math.Abs(expected));
    }

    [TestMethod]
    public void TheTeachersProbabilitiesAreItsScoresForTheBatchImagesEvenForAnEnsemble()
    {
        var (data, member) = Shared.Value;
        var other = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 4; o.Seed = 12; }));
        var ensemble = data.Ml.Transforms.AverageEnsemble(EnsembleCombination.Mean, member, other);
        var images = TestData.ReadVectors(data.Test, "Features").Take(40).ToArray();
        var expected = CnnTestData.Scores(ensemble, data.Test).Take(40).ToArray();
        var teacher = new TeacherProbabilities(ensemble, TeacherInputs.For(data.Test.Schema["Features"], FashionMnist.Shape), "Score", 10, keep: true);

        using var scope = NewDisposeScope();
        // Rows in another order than the data's, as a shuffled batch has them.
        int[] order = Enumerable.Range(0, 40).Select(i => i * 7 % 40).ToArray();
        var batch = new TrainingBatch(tensor(order.SelectMany(i => images[i]).ToArray(), [40, 1, 28, 28]), zeros(40, dtype: ScalarType.Int64), null,
            order.Select(i => (long)i).ToArray());
        for (int pass = 0; pass < 2; pass++)
        {
            var actual = teacher.For(batch, CPU).data<float>().ToArray();
            for (int r = 0; r < 40; r++)
                for (int k = 0; k < 10; k++)
                    Assert.AreEqual(expected[order[r]][k], actual[r * 10 + k], 1e-6, $"pass {pass}, batch row {r} (image {order[r]}), class {k}");
        }
    }

    [TestMethod]
    public void ATeacherReadingAnImageColumnIsGivenTheSameImagesAndTeaches()
    {
        var ml = new MLContext(seed: 1);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ColourImages(ml, 8, seed: 2)).Transform(ColourImages(ml, 64, seed: 2));
        var teacher = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => { o.FeatureColumnName = "Image"; o.Epochs = 6; o.LearningRate = 5e-3; })).Fit(keyed);
        var expected = CnnTestData.Scores(teacher, keyed).Take(16).ToArray();
        // The floats the student's batches hold for an image column: ExtractPixels' planar RGB scaled by 1/255.
        var pixels = TestData.ReadVectors(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255).Fit(keyed).Transform(keyed), "Pixels").Take(16).ToArray();
        var probabilities = new TeacherProbabilities(teacher, TeacherInputs.For(keyed.Schema["Image"], new ImageShape(3, ImageSide, ImageSide)), "Score", 2, keep: false);

        using (var scope = NewDisposeScope())
        {
            var batch = new TrainingBatch(tensor(pixels.SelectMany(p => p).ToArray(), [16, 3, ImageSide, ImageSide]), zeros(16, dtype: ScalarType.Int64), null,
                Enumerable.Range(0, 16).Select(i => (long)i).ToArray());
            var actual = probabilities.For(batch, CPU).data<float>().ToArray();
            for (int r = 0; r < 16; r++)
                for (int k = 0; k < 2; k++)
                    Assert.AreEqual(expected[r][k], actual[r * 2 + k], 1e-6, $"image {r}, class {k}: the teacher saw another image");
        }

        var student = ml.MulticlassClassification.Trainers.DistillImageCnn(teacher,
            CnnTestData.Tiny(o => { o.FeatureColumnName = "Image"; o.Epochs = 6; o.LearningRate = 5e-3; o.Widths = [4, 8]; o.HiddenUnits = 8; }),
            new DistillationOptions { Alpha = 1 }).Fit(keyed);
        var test = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ColourImages(ml, 8, seed: 2)).Transform(ColourImages(ml, 40, seed: 3));
        double accuracy = ml.MulticlassClassification.Evaluate(student.Transform(test)).MicroAccuracy;
        Assert.IsTrue(accuracy > 0.8, $"a student taught only by the teacher: {accuracy:P1} on red-or-blue images (chance 50 %)");
    }

    [TestMethod]
    public void AlphaZeroIsPlainTrainingBitForBit()
    {
        var (data, teacher) = Shared.Value;
        var plain = CnnTestData.Fit(data, CnnTestData.Tiny());
        var counting = new CountingTransformer(teacher);
        var distilled = data.Ml.MulticlassClassification.Trainers
            .DistillImageCnn(counting, CnnTestData.Tiny(), new DistillationOptions { Alpha = 0 }).Fit(data.Train);

        WeightsAssert.BitIdentical(plain.Network, distilled.Network, "α = 0");
        WeightsAssert.SameHistory(plain.History, distilled.History, "α = 0");
        Assert.AreEqual(0, counting.RowsScored, "with α = 0 the teacher is never run");
    }

    [TestMethod]
    public void AStudentTaughtOnlyByTheTeacherLearnsTheClasses()
    {
        var (data, teacher) = Shared.Value;
        // α = 1: the labels play no part in the loss, so whatever the student learns comes from the teacher.
        var student = data.Ml.MulticlassClassification.Trainers
            .DistillImageCnn(teacher, CnnTestData.Tiny(o => o.Epochs = 8), new DistillationOptions { Alpha = 1, Temperature = 2 }).Fit(data.Train);

        double accuracy = CnnTestData.Accuracy(data, student), teacherAccuracy = CnnTestData.Accuracy(data, teacher);
        Assert.IsTrue(accuracy > 0.3, $"student {accuracy:P1} (teacher {teacherAccuracy:P1}, chance 10 %)");
        var agreement = CnnTestData.Scores(student, data.Test).Zip(CnnTestData.Scores(teacher, data.Test))
            .Average(p => ArgMax(p.First) == ArgMax(p.Second) ? 1.0 : 0.0);
        Assert.IsTrue(agreement > 0.5, $"the student agrees with the teacher on {agreement:P1} of the test images");
    }

    [TestMethod]
    public void TeacherOutputsAreKeptWithoutAugmentationAndRecomputedWithIt()
    {
        var (data, teacher) = Shared.Value;
        var kept = new CountingTransformer(teacher);
        data.Ml.MulticlassClassification.Trainers.DistillImageCnn(kept, CnnTestData.Tiny(o => o.Epochs = 3)).Fit(data.Train);
        Assert.AreEqual(256, kept.RowsScored, "each of the 256 training images is scored once over 3 epochs");

        var augmented = new CountingTransformer(teacher);
        data.Ml.MulticlassClassification.Trainers.DistillImageCnn(augmented,
            CnnTestData.Tiny(o => { o.Epochs = 3; o.Augmentation = new ImageAugmentation(seed: 1).HorizontalFlip(); })).Fit(data.Train);
        Assert.AreEqual(3 * 256, augmented.RowsScored, "augmented images are scored afresh in every epoch");
    }

    [TestMethod]
    public void ATeacherThatCannotScoreTheStudentsImagesIsRejectedWithTheReason()
    {
        var (data, teacher) = Shared.Value;
        var trainers = data.Ml.MulticlassClassification.Trainers;

        var needsLabel = data.KeyMap.Append(teacher);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => trainers.DistillImageCnn(needsLabel, CnnTestData.Tiny()).Fit(data.Train)),
            "only the feature column 'Features'", "without its label-mapping steps");

        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => trainers.DistillImageCnn(teacher, CnnTestData.Tiny(),
            new DistillationOptions { TeacherScoreColumnName = "Probabilities" }).Fit(data.Train)), "no column 'Probabilities'", "Score");

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.DistillImageCnn(teacher, CnnTestData.Tiny(), new DistillationOptions { Alpha = 1.5 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.DistillImageCnn(teacher, CnnTestData.Tiny(), new DistillationOptions { Temperature = 0 }));
    }

    private const int ImageSide = 12;

    /// <summary>Reddish or bluish noise images in an MLImage column; ML.NET disposes images it has read, so every pass makes new ones.</summary>
    private static IDataView ColourImages(MLContext ml, int count, int seed) => ml.Data.LoadFromEnumerable(new Reiterable<ColourImage>(() =>
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new ColourImage
        {
            Label = i % 2 == 0 ? "red" : "blue",
            Image = MLImage.CreateFromPixels(ImageSide, ImageSide, MLPixelFormat.Rgba32, TintedNoise.Rgba(random, ImageSide, ImageSide, channel: i % 2 == 0 ? 0 : 2, tint: 0xC0)),
        }).ToArray();
    }));

    private sealed class ColourImage
    {
        public string Label { get; set; } = "";

        [ImageType(ImageSide, ImageSide)]
        public MLImage? Image { get; set; }
    }

    private static Tensor Matrix(double[][] rows) => tensor(rows.SelectMany(r => r.Select(v => (float)v)).ToArray(), [rows.Length, rows[0].Length]);

    private static double[][] ToArrays(Tensor matrix)
    {
        var values = matrix.data<float>().ToArray();
        int columns = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(i => values.Skip(i * columns).Take(columns).Select(v => (double)v).ToArray()).ToArray();
    }

    private static double[] Softmax(IReadOnlyList<double> z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    private static double[] Softmax(IReadOnlyList<float> z) => Softmax(z.Select(v => (double)v).ToArray());

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private sealed class KeyRow
    {
        [KeyType(10)]
        public uint Label { get; set; }
    }

    /// <summary>A real teacher, counting the rows handed to its Transform.</summary>
    private sealed class CountingTransformer(ITransformer inner) : ITransformer
    {
        public long RowsScored;

        public bool IsRowToRowMapper => inner.IsRowToRowMapper;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);
        public void Save(ModelSaveContext ctx) => inner.Save(ctx);

        public IDataView Transform(IDataView input)
        {
            using (var cursor = input.GetRowCursor([]))
                while (cursor.MoveNext())
                    Interlocked.Increment(ref RowsScored);
            return inner.Transform(input);
        }
    }
}
