using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>
/// A checkpoint directory never costs trained epochs: one that cannot be written is refused before any training, one
/// that fails later is a warning and a line in the history while training goes on, and two Fits never share one.
/// </summary>
[TestClass]
public sealed class CheckpointDirectoryTests
{
    [TestMethod]
    [DataRow("/proc/mlextensions-checkpoints", DisplayName = "a directory on a read-only file system")]
    [DataRow("", DisplayName = "a path that is a file")]
    public void AnUnwritableDirectoryIsRefusedBeforeAnyTraining(string directory)
    {
        using var temp = new TempDirectory();
        if (directory == "")
        {
            directory = temp.File("a-file");
            File.WriteAllText(directory, "not a directory");
        }
        var data = CnnTestData.Load(trainRows: 64);
        int steps = 0;
        var error = Assert.ThrowsExactly<IOException>(() => CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.CheckpointDirectory = directory;
            o.OnProgress = _ => steps++;
        })));
        StringAssert.Contains(error.Message, $"CheckpointDirectory '{directory}'");
        StringAssert.Contains(error.Message, "no training was done");
        Assert.AreEqual(0, steps, "training ran before the directory was found unwritable");
    }

    [TestMethod]
    public void ASecondFitOnTheSameDirectoryIsRefusedWhileTheFirstTrains()
    {
        using var temp = new TempDirectory();
        var data = CnnTestData.Load(trainRows: 64);
        IOException? second = null;
        var first = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.CheckpointDirectory = temp.Path;
            o.OnProgress = progress =>
            {
                if (second is null && progress.Step == 1)
                    second = Assert.ThrowsExactly<IOException>(() => CnnTestData.Fit(data, CnnTestData.Tiny(o2 => o2.CheckpointDirectory = temp.Path)));
            };
        }));
        Assert.IsNotNull(second, "the second Fit was never tried");
        StringAssert.Contains(second.Message, "is in use by another training run");
        StringAssert.Contains(second.Message, temp.Path);
        Assert.AreEqual(2, first.History.Epochs.Count, "the first Fit trains on");
        Assert.IsFalse(File.Exists(Path.Combine(temp.Path, ".lock")), "the lock outlives its Fit");
        Assert.IsNotNull(CnnTestData.Fit(data, CnnTestData.Tiny(o => o.CheckpointDirectory = temp.Path)), "a later Fit takes the directory");
    }

    [TestMethod]
    public void ACheckpointThatCannotBeWrittenLaterIsAWarningAndTrainingGoesOn()
    {
        using var temp = new TempDirectory();
        string directory = Path.Combine(temp.Path, "checkpoints");
        var data = CnnTestData.Load(trainRows: 64);
        var log = new List<string>();
        data.Ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.Epochs = 3;
            o.CheckpointDirectory = directory;
            o.OnProgress = progress =>
            {
                // During epoch 2, after epoch 1's checkpoint: the directory is replaced by a file (as if its disk went away).
                if (progress.Epoch == 2 && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                    File.WriteAllText(directory, "in the way");
                }
            };
        }));

        Assert.AreEqual(3, model.History.Epochs.Count, "training stopped at the failed checkpoint");
        Assert.AreEqual(2, model.History.FailedCheckpoints.Count, string.Join(" | ", model.History.FailedCheckpoints));
        StringAssert.StartsWith(model.History.FailedCheckpoints[0], "epoch 2: the checkpoint could not be written to");
        StringAssert.Contains(model.History.FailedCheckpoints[0], directory);
        Assert.IsTrue(log.Any(m => m.Contains("epoch 3: the checkpoint could not be written") && m.Contains("training goes on")), string.Join(" | ", log.Where(m => m.Contains("checkpoint"))));

        using var saved = new MemoryStream();
        data.Ml.Model.Save(model, data.Train.Schema, saved);
        saved.Position = 0;
        var reloaded = (ImageCnnTransformer)data.Ml.Model.Load(saved, out _);
        CollectionAssert.AreEqual(model.History.FailedCheckpoints.ToArray(), reloaded.History.FailedCheckpoints.ToArray(), "the saved model keeps them");
    }
}
