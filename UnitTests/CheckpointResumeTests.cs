using System.Diagnostics;
using System.Reflection;
using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>
/// A run interrupted after some epochs and resumed from its checkpoints ends exactly (bit for bit, on the CPU) where
/// the same run never interrupted ends: weights, buffers and every epoch's metrics.
/// </summary>
[TestClass]
public sealed class CheckpointResumeTests
{
    [TestMethod]
    [DataRow(CnnArchitecture.SimpleConvNet, false)]
    [DataRow(CnnArchitecture.SimpleConvNet, true)]
    [DataRow(CnnArchitecture.ResNet, false)]
    [DataRow(CnnArchitecture.ResNet, true)]
    public void CancelledAfterEpoch2Of4AndResumedEndsBitIdentical(CnnArchitecture architecture, bool validation)
    {
        using var directory = new TempDirectory();
        var uninterrupted = Train(ResumeScenario.Options(architecture, validation));
        var cancelled = TrainAndCancel(ResumeScenario.Options(architecture, validation, directory.Path), afterEpoch: 2);
        CollectionAssert.AreEqual(new[] { "epoch-0001.mlxckpt", "epoch-0002.mlxckpt" }, directory.FileNames());

        var resumed = Train(Resuming(ResumeScenario.Options(architecture, validation, directory.Path)));

        WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, $"{architecture}, validation {validation}");
        WeightsAssert.SameHistory(uninterrupted.History, resumed.History, $"{architecture}, validation {validation}");
        Assert.AreEqual(ResumeScenario.Epochs, resumed.History.Epochs.Count);
        Assert.AreNotEqual(cancelled.History.Epochs[^1].TrainLoss, resumed.History.Epochs[^1].TrainLoss, "the resumed run trained on");
    }

    [TestMethod]
    public void AProcessKilledMidEpochResumesBitIdentical()
    {
        using var directory = new TempDirectory();
        var options = ResumeScenario.Options(CnnArchitecture.SimpleConvNet, validation: true, directory.Path);
        using (var child = StartChild(options, directory.Path, blockAtEpoch: 3, blockAtStep: 2))
        {
            WaitForLine(child, "BLOCKED");
            // The running Fit holds the directory's lock; a kill leaves the file, and the resumed Fit takes it over.
            CollectionAssert.AreEqual(new[] { ".lock", "epoch-0001.mlxckpt", "epoch-0002.mlxckpt" }, directory.FileNames(), "killed in epoch 3");
            child.Kill(entireProcessTree: true);
            Assert.IsTrue(child.WaitForExit(TimeSpan.FromSeconds(30)), "the child did not die");
        }

        var resumed = Train(Resuming(options));
        var uninterrupted = Train(ResumeScenario.Options(CnnArchitecture.SimpleConvNet, validation: true));
        WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, "resumed after a kill");
        WeightsAssert.SameHistory(uninterrupted.History, resumed.History, "resumed after a kill");
    }

    [TestMethod]
    public void EveryOptimizerWithPlateauAndEarlyStoppingStateResumesBitIdentical()
    {
        foreach (var kind in Enum.GetValues<OptimizerKind>())
        {
            using var directory = new TempDirectory();
            ImageCnnTrainer.Options Options(string? checkpoints) => Tiny(o =>
            {
                o.Optimizer = kind;
                o.LearningRate = kind is OptimizerKind.Sgd or OptimizerKind.SgdMomentum or OptimizerKind.SgdNesterov or OptimizerKind.AdaGrad ? 0.05 : 3e-3;
                o.Schedule = LearningRateSchedule.ReduceOnPlateau(patience: 1, factor: 0.5);
                o.EarlyStopping = new EarlyStopping(patience: 3);
                o.ValidationFraction = 0.25;
                o.CheckpointDirectory = checkpoints;
            });
            var uninterrupted = Train(Options(null));
            TrainAndCancel(Options(directory.Path), afterEpoch: 1);
            var resumed = Train(Resuming(Options(directory.Path)));
            WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, kind.ToString());
            WeightsAssert.SameHistory(uninterrupted.History, resumed.History, kind.ToString());
        }
    }

    [TestMethod]
    public void EarlyStoppingThatStoppedBeforeTheCheckpointEndsTheResumedRunWithTheBestWeights()
    {
        using var directory = new TempDirectory();
        // A min delta no epoch beats: epoch 1 stays best, and patience 1 stops training after epoch 2.
        ImageCnnTrainer.Options Options(string? checkpoints) => Tiny(o =>
        {
            o.Epochs = 5;
            o.ValidationFraction = 0.25;
            o.EarlyStopping = new EarlyStopping(patience: 1, minDelta: 1e9);
            o.CheckpointDirectory = checkpoints;
        });
        var uninterrupted = Train(Options(null));
        Assert.AreEqual(TrainingStopReason.EarlyStopped, uninterrupted.History.StopReason);
        Assert.AreEqual(1, uninterrupted.History.BestEpoch);
        Train(Options(directory.Path));

        var resumed = Train(Resuming(Options(directory.Path)));
        WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, "the best epoch's weights");
        WeightsAssert.SameHistory(uninterrupted.History, resumed.History, "nothing more trained");
    }

    [TestMethod]
    public void FineTuningPlansResumeBitIdentical()
    {
        var pretrained = Train(Tiny(o => { o.Architecture = CnnArchitecture.ResNet; o.Blocks = [1, 1]; o.Epochs = 1; }));
        foreach (var strategy in new[] { FineTuneStrategy.Gradual(headEpochs: 1, epochsPerBlock: 1), FineTuneStrategy.LinearProbe })
        {
            using var directory = new TempDirectory();
            FineTuneTrainer.Options Options(string? checkpoints) => new()
            {
                Pretrained = PretrainedNetwork.FromModel(pretrained), Strategy = strategy, BlockLearningRateMultiplier = 0.5,
                Optimizer = OptimizerKind.AdamW, LearningRate = 3e-3, Dropout = 0.2, ValidationFraction = 0.25,
                Epochs = 4, BatchSize = 32, Seed = 9, Device = ComputeDevice.Cpu, CheckpointDirectory = checkpoints,
            };
            var uninterrupted = FineTune(Options(null));
            var ml = new MLContext(1);
            var cancelling = Options(directory.Path);
            cancelling.OnEpochEnd = e => { if (e.Epoch == 2) ml.CancelExecution(); };
            ml.MulticlassClassification.Trainers.FineTuneImageCnn(cancelling).Fit(ResumeScenario.Data(ml));
            var resuming = Options(directory.Path);
            resuming.ResumeFromCheckpoint = true;
            var resumed = FineTune(resuming);
            WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, strategy.ToString());
            WeightsAssert.SameHistory(uninterrupted.History, resumed.History, strategy.ToString());
        }
    }

    [TestMethod]
    public void ASnapshotEnsembleResumesWithTheSnapshotsTakenBeforeTheInterruption()
    {
        using var directory = new TempDirectory();
        ImageCnnTrainer.Options Options(string? checkpoints) => Tiny(o =>
        {
            o.Schedule = LearningRateSchedule.Cyclical(cycleEpochs: 1);
            o.Epochs = 4;
            o.CheckpointDirectory = checkpoints;
        });
        var ml = new MLContext(1);
        var uninterrupted = ml.MulticlassClassification.Trainers.SnapshotEnsemble(Options(null)).Fit(ResumeScenario.Data(ml));
        var cancelling = Options(directory.Path);
        cancelling.OnEpochEnd = e => { if (e.Epoch == 2) ml.CancelExecution(); };
        ml.MulticlassClassification.Trainers.SnapshotEnsemble(cancelling).Fit(ResumeScenario.Data(ml));
        var fresh = new MLContext(1);
        var resumed = fresh.MulticlassClassification.Trainers.SnapshotEnsemble(Resuming(Options(directory.Path))).Fit(ResumeScenario.Data(fresh));

        Assert.AreEqual(4, resumed.Members.Count);
        for (int i = 0; i < 4; i++)
            WeightsAssert.BitIdentical(((ImageCnnTransformer)uninterrupted.Members[i]).Network, ((ImageCnnTransformer)resumed.Members[i]).Network, $"snapshot {i + 1}");
    }

    [TestMethod]
    public void ATrainingViewAugmentedUpstreamResumesBitIdentical()
    {
        using var directory = new TempDirectory();
        IEstimator<ITransformer> Pipeline(MLContext ml, ImageCnnTrainer.Options options)
            => ml.Transforms.AugmentImages("Features", new ImageAugmentation(seed: 4).HorizontalFlip().RandomCrop(padding: 2))
                .Append(ml.MulticlassClassification.Trainers.ImageCnn(options));
        ImageCnnTrainer.Options Options(string? checkpoints) => Tiny(o => { o.Epochs = 4; o.ValidationFraction = 0.25; o.CheckpointDirectory = checkpoints; });
        ImageCnnTransformer Fit(MLContext ml, ImageCnnTrainer.Options options)
            => ((IEnumerable<ITransformer>)Pipeline(ml, options).Fit(ResumeScenario.Data(ml))).OfType<ImageCnnTransformer>().Single();

        var uninterrupted = Fit(new MLContext(1), Options(null));
        var ml = new MLContext(1);
        var cancelling = Options(directory.Path);
        cancelling.OnEpochEnd = e => { if (e.Epoch == 2) ml.CancelExecution(); };
        // The cancel reaches the next epoch's read of newly augmented images: training ends there, cancelled.
        var cancelled = Fit(ml, cancelling);
        Assert.AreEqual(TrainingStopReason.Cancelled, cancelled.History.StopReason);
        Assert.AreEqual(2, cancelled.History.Epochs.Count);
        var resumed = Fit(new MLContext(1), Resuming(Options(directory.Path)));

        WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, "augmented upstream");
        WeightsAssert.SameHistory(uninterrupted.History, resumed.History, "augmented upstream");
    }

    internal static ImageCnnTrainer.Options Tiny(Action<ImageCnnTrainer.Options> configure)
    {
        var options = new ImageCnnTrainer.Options
        {
            Widths = [4, 8], HiddenUnits = 16, Dropout = 0.2, Epochs = 3, BatchSize = 32, Seed = 7, Device = ComputeDevice.Cpu,
            Augmentation = new ImageAugmentation(seed: 2).HorizontalFlip().RandomCrop(padding: 2),
        };
        configure(options);
        return options;
    }

    internal static ImageCnnTrainer.Options Resuming(ImageCnnTrainer.Options options)
    {
        options.ResumeFromCheckpoint = true;
        return options;
    }

    internal static ImageCnnTransformer Train(ImageCnnTrainer.Options options)
    {
        var ml = new MLContext(seed: 1);
        return ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(ResumeScenario.Data(ml));
    }

    /// <summary>Trains until <paramref name="afterEpoch"/> epochs are complete, then cancels (the cancel lands at the next epoch's first step).</summary>
    internal static ImageCnnTransformer TrainAndCancel(ImageCnnTrainer.Options options, int afterEpoch)
    {
        var ml = new MLContext(seed: 1);
        options.OnEpochEnd = e => { if (e.Epoch == afterEpoch) ml.CancelExecution(); };
        var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(ResumeScenario.Data(ml));
        Assert.AreEqual(TrainingStopReason.Cancelled, model.History.StopReason);
        Assert.AreEqual(afterEpoch, model.History.Epochs.Count);
        return model;
    }

    private static ImageCnnTransformer FineTune(FineTuneTrainer.Options options)
    {
        var ml = new MLContext(seed: 1);
        return ml.MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(ResumeScenario.Data(ml));
    }

    private static Process StartChild(ImageCnnTrainer.Options options, string directory, int blockAtEpoch, int blockAtStep)
    {
        var child = typeof(CheckpointResumeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TrainingChildPath").Value!;
        Assert.IsTrue(File.Exists(child), $"TrainingChild was not built at {child}");
        return Process.Start(new ProcessStartInfo("dotnet",
            [child, options.Architecture!.Value.ToString(), options.ValidationFraction > 0 ? "1" : "0", directory, blockAtEpoch.ToString(), blockAtStep.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
    }

    private static void WaitForLine(Process process, string expected)
    {
        var errors = process.StandardError.ReadToEndAsync();
        var line = process.StandardOutput.ReadLineAsync();
        Assert.IsTrue(line.Wait(TimeSpan.FromMinutes(2)), "the child printed nothing in 2 minutes");
        Assert.AreEqual(expected, line.Result, $"child output; its errors: {(errors.IsCompleted ? errors.Result : "(still running)")}");
    }
}
