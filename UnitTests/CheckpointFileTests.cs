using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Training;
using static MLExtensions.UnitTests.CheckpointResumeTests;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>Checkpoint files: what is kept, atomic writes, and clear refusals of files that cannot be resumed.</summary>
[TestClass]
public sealed class CheckpointFileTests
{
    private static ImageCnnTrainer.Options Options(string? directory, int epochs = 4) => Tiny(o =>
    {
        o.Epochs = epochs;
        o.ValidationFraction = 0.25;
        o.CheckpointDirectory = directory;
    });

    [TestMethod]
    public void CheckpointingChangesNothingAndKeepsTheNewestTwo()
    {
        using var directory = new TempDirectory();
        var plain = Train(Options(null));
        var checkpointed = Train(Options(directory.Path));
        WeightsAssert.BitIdentical(plain.Network, checkpointed.Network, "with checkpoints");
        WeightsAssert.SameHistory(plain.History, checkpointed.History, "with checkpoints");
        CollectionAssert.AreEqual(new[] { "epoch-0003.mlxckpt", "epoch-0004.mlxckpt" }, directory.FileNames());
    }

    [TestMethod]
    public void ACrashWhileWritingLeavesThePreviousCheckpointToResumeFrom()
    {
        using var directory = new TempDirectory();
        var uninterrupted = Train(Options(null));
        TrainAndCancel(Options(directory.Path), afterEpoch: 2);

        // Write the next checkpoint through a stream that dies part-way, as a crash or a full disk would leave it.
        using (var latest = CheckpointFile.Read(directory.File("epoch-0002.mlxckpt"), CPU))
            Assert.ThrowsExactly<IOException>(() => CheckpointFile.Write(directory.Path, 3,
                latest.Sections.Select(s => (s.Key, s.Value)), path => new FailingStream(File.Create(path), failAfterBytes: 5000)));
        CollectionAssert.AreEqual(new[] { "epoch-0001.mlxckpt", "epoch-0002.mlxckpt", "epoch-0003.mlxckpt.tmp" }, directory.FileNames());
        Assert.AreEqual(directory.File("epoch-0002.mlxckpt"), CheckpointFile.Latest(directory.Path), "a partial file is never the latest");

        var resumed = Train(Resuming(Options(directory.Path)));
        WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, "resumed after the failed write");
        CollectionAssert.AreEqual(new[] { "epoch-0003.mlxckpt", "epoch-0004.mlxckpt" }, directory.FileNames(), "the partial file is cleaned up");
    }

    [TestMethod]
    public void CorruptTruncatedAndForeignFilesAreRefusedNamingTheFile()
    {
        using var directory = new TempDirectory();
        var cancelled = TrainAndCancel(Options(directory.Path), afterEpoch: 2);
        string latest = directory.File("epoch-0002.mlxckpt");
        var original = File.ReadAllBytes(latest);

        var flipped = original.ToArray();
        flipped[flipped.Length / 2] ^= 0x40;
        File.WriteAllBytes(latest, flipped);
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidDataException>(() => Train(Resuming(Options(directory.Path)))), latest, "corrupt");

        File.WriteAllBytes(latest, original[..(original.Length / 3)]);
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidDataException>(() => Train(Resuming(Options(directory.Path)))), latest, "corrupt or truncated");

        var ml = new MLContext(1);
        ml.Model.Save(cancelled, null, latest);
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidDataException>(() => Train(Resuming(Options(directory.Path)))),
            latest, "is not an MLExtensions training checkpoint");

        // Deleting the bad file, as the message suggests, resumes from the one before it.
        File.Delete(latest);
        var resumed = Train(Resuming(Options(directory.Path)));
        WeightsAssert.BitIdentical(Train(Options(null)).Network, resumed.Network, "resumed from epoch 1");
    }

    [TestMethod]
    public void ACheckpointOfAnotherRunIsRefusedNamingEveryDifference()
    {
        using var directory = new TempDirectory();
        TrainAndCancel(Options(directory.Path), afterEpoch: 1);

        // Another network, two classes and 4×14×14 images instead of ten classes of 1×28×28.
        var ml = new MLContext(1);
        var other = Tiny(o =>
        {
            o.Architecture = CnnArchitecture.ResNet; o.Blocks = [1, 1]; o.Augmentation = null;
            o.ImageHeight = 14; o.ImageWidth = 14; o.Channels = 4;
            o.CheckpointDirectory = directory.Path; o.ResumeFromCheckpoint = true; o.ValidationFraction = 0.25;
        });
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.ImageCnn(other).Fit(TwoClassFlatImages(ml)));
        TestAssert.MessageContains(e, directory.File("epoch-0001.mlxckpt"), "different training run",
            "architecture: 'SimpleConvNet' in the checkpoint, 'ResNet' now",
            "image shape: '[1, 28, 28]' in the checkpoint, '[4, 14, 14]' now",
            "classes: '10: Ankle boot, T-shirt/top", "in the checkpoint, '2: even, odd' now",
            "ResumeFromCheckpoint = false");

        var reseeded = Resuming(Options(directory.Path));
        reseeded.Seed = 8;
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidOperationException>(() => Train(reseeded)), "seed: '7' in the checkpoint, '8' now");
    }

    [TestMethod]
    public void AUsersStatefulCallbackCarriesItsStateAcrossAResume()
    {
        using var directory = new TempDirectory();
        var uninterrupted = new StepCounter();
        var counted = Tiny(o => { o.Epochs = 4; o.ValidationFraction = 0.25; o.Callbacks.Add(uninterrupted); });
        Train(counted);

        TrainAndCancel(Tiny(o => { o.Epochs = 4; o.ValidationFraction = 0.25; o.CheckpointDirectory = directory.Path; o.Callbacks.Add(new StepCounter()); }), afterEpoch: 2);
        var resumed = new StepCounter();
        Train(Resuming(Tiny(o => { o.Epochs = 4; o.ValidationFraction = 0.25; o.CheckpointDirectory = directory.Path; o.Callbacks.Add(resumed); })));
        Assert.AreEqual(uninterrupted.Steps, resumed.Steps, "the count continued from the checkpoint");
        Assert.AreEqual(uninterrupted.LossSum, resumed.LossSum, "and so did the loss it summed");

        var without = Resuming(Options(directory.Path));
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidDataException>(() => Train(without)),
            directory.File("epoch-0004.mlxckpt"), "holds the state of StepCounter, a callback this run does not have");
    }

    [TestMethod]
    public void ResumingFromAnEmptyDirectoryStartsAtTheFirstEpoch()
    {
        using var directory = new TempDirectory();
        var log = new List<string>();
        var ml = new MLContext(1);
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var resumed = ml.MulticlassClassification.Trainers.ImageCnn(Resuming(Options(directory.Path))).Fit(ResumeScenario.Data(ml));
        WeightsAssert.BitIdentical(Train(Options(null)).Network, resumed.Network, "started from scratch");
        lock (log)
            Assert.IsTrue(log.Any(m => m.Contains("holds no checkpoint yet; training starts at the first epoch")), "the start is logged");
    }

    [TestMethod]
    public void ARunThatStartsOverWarnsAndReplacesTheEarlierRunsCheckpoints()
    {
        using var directory = new TempDirectory();
        Train(Options(directory.Path, epochs: 4));
        var log = new List<string>();
        var ml = new MLContext(1);
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        ml.MulticlassClassification.Trainers.ImageCnn(Options(directory.Path, epochs: 2)).Fit(ResumeScenario.Data(ml));
        CollectionAssert.AreEqual(new[] { "epoch-0001.mlxckpt", "epoch-0002.mlxckpt" }, directory.FileNames());
        lock (log)
            Assert.IsTrue(log.Any(m => m.Contains("holds checkpoints of an earlier run (latest 'epoch-0004.mlxckpt')")), "the replacement is announced");
    }

    [TestMethod]
    public void EnsembleMembersCheckpointIntoTheirOwnDirectories()
    {
        using var directory = new TempDirectory();
        var template = Tiny(o => { o.Epochs = 1; o.Augmentation = null; o.CheckpointDirectory = directory.Path; });
        var ml = new MLContext(1);
        ml.MulticlassClassification.Trainers.AverageEnsemble(template, members: 2).Fit(ResumeScenario.Data(ml));
        CollectionAssert.AreEqual(new[] { "epoch-0001.mlxckpt" }, Directory.GetFiles(Path.Combine(directory.Path, "member-1")).Select(Path.GetFileName).ToArray());
        CollectionAssert.AreEqual(new[] { "epoch-0001.mlxckpt" }, Directory.GetFiles(Path.Combine(directory.Path, "member-2")).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void ResumeWithoutADirectoryIsRefusedUpFront()
    {
        var options = Tiny(o => o.ResumeFromCheckpoint = true);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().MulticlassClassification.Trainers.ImageCnn(options)),
            "ResumeFromCheckpoint needs CheckpointDirectory");
    }

    /// <summary>Counts the steps and sums the losses of the whole run, resumed runs included.</summary>
    private sealed class StepCounter : TrainingCallback
    {
        public long Steps { get; private set; }
        public double LossSum { get; private set; }

        public override void OnFitBegin(TrainingState state) => (Steps, LossSum) = (0, 0);

        public override void OnStep(TrainingState state)
        {
            Steps++;
            LossSum += state.LossValue;
        }

        public override void SaveState(TrainingState state, CheckpointState checkpoint)
        {
            checkpoint.Set("steps", Steps);
            checkpoint.Set("loss sum", LossSum);
        }

        public override void LoadState(TrainingState state, CheckpointState checkpoint)
            => (Steps, LossSum) = (checkpoint.GetInt64("steps"), checkpoint.GetDouble("loss sum"));
    }

    // The scenario's images as flat 784-value vectors, labelled by the parity of their row.
    private static IDataView TwoClassFlatImages(MLContext ml)
    {
        var rows = ml.Data.CreateEnumerable<FashionMnistImage>(ml.Data.TakeRows(ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Train, 64), false)
            .Select((image, i) => new FlatImage { Label = i % 2 == 0 ? "even" : "odd", Features = image.Features });
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
    }

    private sealed class FlatImage
    {
        public string Label { get; set; } = "";

        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>A write stream that fails with an I/O error once it has written <c>failAfterBytes</c>.</summary>
    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        private long _written;

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > failAfterBytes)
                throw new IOException("simulated crash while writing");
            inner.Write(buffer, offset, count);
            _written += count;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
