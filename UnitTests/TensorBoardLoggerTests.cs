namespace MLExtensions.UnitTests;

/// <summary>The TensorBoard callback writes event files that a reader of the published format reads back, CRCs and values.</summary>
[TestClass]
public sealed class TensorBoardLoggerTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void EventFilesHoldTheEpochMetricsHistogramsAndImages()
    {
        var directory = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"tensorboard-{Guid.NewGuid():N}");
        var data = CnnTestData.Load(trainRows: 200);
        var logger = new TensorBoardLogger(directory) { StepInterval = 2, ImageCount = 4 };
        var options = CnnTestData.Tiny(o => { o.Epochs = 2; o.ValidationFraction = 0.2; });
        options.Callbacks.Add(logger);
        var model = CnnTestData.Fit(data, options);

        var file = Directory.GetFiles(directory, "events.out.tfevents.*").Single();
        var events = TensorBoardEventReader.Read(file);
        Assert.AreEqual("brain.Event:2", events[0].FileVersion);
        var scalars = events.SelectMany(e => e.Values.Where(v => v.Simple is not null).Select(v => (e.Step, v.Tag, Value: v.Simple!.Value))).ToList();
        float Scalar(string tag, long step) => scalars.Single(s => s.Tag == tag && s.Step == step).Value;

        foreach (var epoch in model.History.Epochs)
        {
            Assert.AreEqual((float)epoch.TrainLoss, Scalar("epoch/train_loss", epoch.Epoch));
            Assert.AreEqual((float)epoch.TrainAccuracy, Scalar("epoch/train_accuracy", epoch.Epoch));
            Assert.AreEqual((float)epoch.ValidationLoss!.Value, Scalar("epoch/validation_loss", epoch.Epoch));
            Assert.AreEqual((float)epoch.ValidationAccuracy!.Value, Scalar("epoch/validation_accuracy", epoch.Epoch));
            Assert.AreEqual((float)epoch.LearningRate, Scalar("epoch/learning_rate", epoch.Epoch));
        }
        // 160 training images in batches of 32: 5 steps per epoch, scalars at steps 1, 3, 5, 7, 9.
        CollectionAssert.AreEqual(new long[] { 1, 3, 5, 7, 9 }, scalars.Where(s => s.Tag == "step/train_loss").Select(s => s.Step).ToArray());
        Assert.IsTrue(scalars.Where(s => s.Tag == "step/gradient_norm").All(s => s.Value > 0));
        Assert.IsTrue(scalars.Any(s => s.Tag == "gradient_norm/features.conv1"), string.Join(", ", scalars.Select(s => s.Tag).Distinct()));

        var others = events.SelectMany(e => e.Values.Select(v => (e.Step, Value: v))).ToList();
        Assert.AreEqual(2, others.Count(o => o.Value.Tag == "weights/features.conv1.weight" && o.Value.HasHistogram));
        Assert.AreEqual(2, others.Count(o => o.Value.Tag == "gradients/classifier.output.weight" && o.Value.HasHistogram));
        Assert.AreEqual(2, others.Count(o => o.Value.Tag == "images/training" && o.Value.HasImage));
        Assert.AreEqual(2, others.Count(o => o.Value.Tag.StartsWith("images/training_predictions", StringComparison.Ordinal)));
        Assert.AreEqual(2, others.Count(o => o.Value.Tag == "images/validation" && o.Value.HasImage), "a fixed set of validation images too");
        var predictions = others.Where(o => o.Value.Tag.StartsWith("images/validation_predictions", StringComparison.Ordinal)).ToArray();
        Assert.AreEqual(2, predictions.Length);
        StringAssert.Contains(predictions[0].Value.Text, "1. true ");
        Assert.IsTrue(FashionMnist.ClassNames.Any(name => predictions[0].Value.Text!.Contains($"predicted {name} (")), predictions[0].Value.Text);
        Assert.IsTrue(events.Skip(1).All(e => e.WallTime > 1.7e9 && e.WallTime < 4e9), "wall times are Unix seconds");
    }
}
