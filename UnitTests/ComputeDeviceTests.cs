using Microsoft.ML;
using static MLExtensions.UnitTests.CnnTestData;

namespace MLExtensions.UnitTests;

/// <summary>
/// Device choice on this CPU-only machine: why Auto stays on the CPU is logged, and moving a model between devices
/// keeps its scores. The CUDA side of these runs on a GPU machine (Benchmarks --cuda-selftest, tools/gpu/on-device.sh).
/// </summary>
[TestClass]
public sealed class ComputeDeviceTests
{
    [TestMethod]
    public void AutoOnACpuOnlyMachineLogsWhyItDoesNotUseCuda()
    {
        var data = Load(trainRows: 64);
        var log = new List<string>();
        data.Ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        Fit(data, Tiny(o => { o.Epochs = 1; o.Device = ComputeDevice.Auto; }));
        lock (log)
            Assert.IsTrue(log.Any(m => m.Contains("ComputeDevice.Auto trains on the CPU: libtorch_cuda could not be loaded")),
                "the fallback names its reason");
    }

    [TestMethod]
    public void MovedModelsScoreAsTheOriginals()
    {
        var data = Load(trainRows: 128);
        var pipeline = data.Ml.MulticlassClassification.Trainers.ImageCnn(Tiny(o => o.Epochs = 1))
            .Append(data.Ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data.Train);
        AssertMovedScoresAlike(pipeline);

        var members = new[] { 1, 2 }.Select(seed => (ITransformer)Fit(data, Tiny(o => { o.Epochs = 1; o.Seed = seed; }))).ToArray();
        using var directory = new TempDirectory();
        string zip = Path.Combine(directory.Path, "ensemble.zip");
        data.Ml.Model.Save(data.Ml.Transforms.AverageEnsemble(members), data.Train.Schema, zip);
        AssertMovedScoresAlike(new MLContext().Model.Load(zip, out _));

        void AssertMovedScoresAlike(ITransformer model)
        {
            var moved = model.OnDevice(ComputeDevice.Cpu);
            Assert.AreNotSame(model, moved, "the networks are rebuilt around, inside chains and ensembles");
            var (expected, actual) = (Scores(model, data.Test), Scores(moved, data.Test));
            Assert.IsTrue(expected.Zip(actual).All(p => p.First.SequenceEqual(p.Second)), "moving to the device it is on changes no score");
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.OnDevice(ComputeDevice.Cuda));
            StringAssert.Contains(e.Message, "libtorch_cuda could not be loaded");
        }
    }
}
