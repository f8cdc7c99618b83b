using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

/// <summary>Models saved by earlier versions of MLExtensions still load and score as they did.</summary>
[TestClass]
public sealed class ModelVersionTests
{
    [TestMethod]
    public void AnImageCnnSavedBeforeStopMessagesWereKeptLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010002 (before TrainingHistory.StopMessage), with the scores it gave then.
        var model = LoadAndCheckScores("imagecnn-v10002");
        Assert.AreEqual(2, model.History.Epochs.Count);
        Assert.AreEqual(TrainingStopReason.Completed, model.History.StopReason);
        Assert.IsNull(model.History.StopMessage);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeInputStatisticsAndLargeImageLayersLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010003 (before the description kept input statistics, the stem and the pooled size).
        var model = LoadAndCheckScores("imagecnn-v10003");
        Assert.IsNull(model.Description.InputMeans);
        Assert.IsFalse(model.Description.DownsamplingStem);
        Assert.AreEqual(0, model.Description.PooledSize);
        Assert.AreEqual(TrainingStopReason.Completed, model.History.StopReason);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeTorchVisionNetworksLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010004 (before the description could name a torchvision network).
        var model = LoadAndCheckScores("imagecnn-v10004");
        Assert.AreEqual(CnnArchitecture.SimpleConvNet, model.Description.Architecture);
        Assert.IsNull(model.Description.TorchVisionModel);
        Assert.AreEqual(1.0, model.Description.WidthMultiplier);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeWeightChecksumsLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010005 (weights without their SHA-256 checksum).
        var model = LoadAndCheckScores("imagecnn-v10005");
        Assert.AreEqual(2, model.History.Epochs.Count);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeInnerWidthsLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010006 (before the description kept ResNet blocks' inner widths).
        var model = LoadAndCheckScores("imagecnn-v10006");
        Assert.AreEqual(0, model.Description.InnerWidths.Count);
        Assert.AreEqual(2, model.History.Epochs.Count);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeWholeEntryChecksumsLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010007 (only the weights checksummed, not the whole entry).
        var model = LoadAndCheckScores("imagecnn-v10007");
        Assert.AreEqual(2, model.History.Epochs.Count);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeFamilyConfigsLoadsAndScoresAsItDid()
    {
        // Saved with model version 0x00010008 (before the description named a registered family and kept its config).
        var model = LoadAndCheckScores("imagecnn-v10008");
        Assert.IsNull(model.Description.FamilyName);
        Assert.IsNull(model.Description.FamilyConfig);
        Assert.IsNull(model.Description.StochasticDepth);
    }

    [TestMethod]
    public void MeanSubtractionAugmentationAndEnsemblesSavedBeforeChecksumsLoadAndScoreAsTheyDid()
    {
        // Saved with MEANSUBT, AUGMIMGS and AVGENSMB version 0x00010001 (entries without a checksum), IMAGECNN 0x00010007.
        var chain = (TransformerChain<ITransformer>)LoadAndCheckScores<ITransformer>("pipeline-meansubt-v10001-augmimgs-v10001");
        CollectionAssert.AreEqual(new[] { typeof(MeanSubtractionTransformer), typeof(AugmentImagesTransformer), typeof(ImageCnnTransformer) },
            chain.Select(t => t.GetType()).ToArray());
        var ensemble = LoadAndCheckScores<AverageEnsembleTransformer>("avgensmb-v10001");
        Assert.AreEqual(2, ensemble.Members.Count);
    }

    [TestMethod]
    public void AModelWrittenNowTellsEarlierReleasesToRefuseIt()
    {
        // ML.NET's model header: the version written at 0x48, the oldest reader version that can read it at 0x4C. A
        // release whose loader is older than the latter refuses the model as too new instead of misreading the entry.
        var data = CnnTestData.Load(trainRows: 64);
        using var saved = new MemoryStream();
        data.Ml.Model.Save(CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Epochs = 1)), data.Train.Schema, saved);
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(saved.ToArray()));
        using var entry = zip.GetEntry("TransformerChain/Model.key")!.Open();
        var header = new byte[0x50];
        entry.ReadExactly(header);
        Assert.AreEqual(0x00010009u, BitConverter.ToUInt32(header, 0x48), "version written");
        Assert.AreEqual(0x00010009u, BitConverter.ToUInt32(header, 0x4C), "oldest reader: the first that reads family configs");
    }

    /// <summary>
    /// Loads Fixtures/<paramref name="fixture"/>.zip and checks it scores the subset's first test rows as the -scores.txt
    /// file says, to float rounding: the scores were written on another CPU, and a process whose convolutions run on
    /// libtorch's own kernels instead of oneDNN's (see OneDnnConvolutionCheck) differs from them in the last bit.
    /// </summary>
    private static ImageCnnTransformer LoadAndCheckScores(string fixture) => LoadAndCheckScores<ImageCnnTransformer>(fixture);

    private static T LoadAndCheckScores<T>(string fixture) where T : ITransformer
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var ml = new MLContext(seed: 1);
        var model = (T)ml.Model.Load(Path.Combine(fixtures, fixture + ".zip"), out _);
        var expected = File.ReadAllLines(Path.Combine(fixtures, fixture + "-scores.txt"))
            .Select(line => line.Split(' ').Select(float.Parse).ToArray()).ToArray();

        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keyMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var scores = CnnTestData.Scores(model, keyMap.Transform(ml.Data.TakeRows(data.Test, expected.Length)));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.HasCount(expected[i].Length, scores[i], $"{fixture}, row {i}");
            for (int j = 0; j < expected[i].Length; j++)
                Assert.AreEqual(expected[i][j], scores[i][j], 1e-6f, $"{fixture}, row {i}, class {j}");
        }
        return model;
    }
}
