using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;
using TorchSharp;

namespace Benchmarks;

/// <summary>
/// The device tests, run on a GPU machine (<c>tools/gpu/on-device.sh</c>): Auto picks CUDA; a small network trained
/// on CUDA learns like the same network trained on the CPU; its scores on CUDA and on the CPU agree within tolerance;
/// its zip reloads on the CPU with the same scores; mixed precision trains on CUDA. Writes the zip and its CUDA
/// scores to a folder, for the repository's test that reloads them on a CPU-only machine. Exit code: failed checks.
/// </summary>
internal static class CudaSelfTest
{
    private const float ScoreTolerance = 5e-3f;
    private const int FixtureRows = 200;

    private sealed record Check(string Name, bool Passed, string Detail);

    /// <param name="accelerator">CUDA; the CPU runs every check but the first as a dry run of this code on a machine without a GPU.</param>
    internal static int Run(MLContext ml, FashionMnistData data, string outDirectory, ComputeDevice accelerator = ComputeDevice.Cuda)
    {
        Directory.CreateDirectory(outDirectory);
        var checks = new List<Check>();
        if (accelerator == ComputeDevice.Cpu)
            Console.WriteLine("Dry run: every \"CUDA\" below is the CPU.");
        if (accelerator == ComputeDevice.Cuda)
        {
            var auto = ComputeDeviceResolver.Resolve(ComputeDevice.Auto);
            checks.Add(new("ComputeDevice.Auto picks CUDA", auto.type == DeviceType.CUDA, ComputeDeviceResolver.CudaUnavailableReason ?? $"{auto}"));
            if (auto.type != DeviceType.CUDA)
                return Report(checks);
        }

        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        using var onCuda = Train(ml, train, accelerator, mixedPrecision: false);
        using var onCpu = Train(ml, train, ComputeDevice.Cpu, mixedPrecision: false);
        checks.Add(CompareTraining(ml, test, onCuda, onCpu));

        var cudaScores = Scores(onCuda.Transform(test));
        using (var moved = onCuda.OnDevice(ComputeDevice.Cpu))
            checks.Add(CompareScores("the CUDA-trained network scores alike on CUDA and on the CPU", cudaScores, Scores(moved.Transform(test)), ScoreTolerance));

        string zip = Path.Combine(outDirectory, "cuda-model.zip");
        ml.Model.Save(onCuda, train.Schema, zip);
        WriteFixtureScores(Path.Combine(outDirectory, "cuda-scores.bin"), cudaScores.Take(FixtureRows));
        var reloaded = new MLContext().Model.Load(zip, out _);
        checks.Add(CompareScores("its zip, reloaded on the CPU, scores within tolerance of CUDA", cudaScores, Scores(reloaded.Transform(test)), ScoreTolerance));
        var back = reloaded.OnDevice(accelerator);
        checks.Add(CompareScores("the reloaded zip moved to CUDA scores as before saving", cudaScores, Scores(back.Transform(test)), 1e-6f));

        using var mixed = Train(ml, train, accelerator, mixedPrecision: true);
        double mixedAccuracy = ml.MulticlassClassification.Evaluate(mixed.Transform(test)).MicroAccuracy;
        checks.Add(new("bfloat16 mixed precision trains on CUDA", mixedAccuracy > 0.6, $"test accuracy {mixedAccuracy:P2}"));
        return Report(checks);
    }

    private static ImageCnnTransformer Train(MLContext ml, IDataView train, ComputeDevice device, bool mixedPrecision)
    {
        var options = new ImageCnnTrainer.Options
        {
            Widths = [16, 32], HiddenUnits = 64, Epochs = 3, BatchSize = 64, Seed = 1, Device = device, MixedPrecision = mixedPrecision,
        };
        return ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train);
    }

    // Different kernels and random streams: the two runs learn alike without matching bit for bit.
    private static Check CompareTraining(MLContext ml, IDataView test, ImageCnnTransformer onCuda, ImageCnnTransformer onCpu)
    {
        double cudaLoss = onCuda.History.Epochs[0].TrainLoss, cpuLoss = onCpu.History.Epochs[0].TrainLoss;
        double cudaAccuracy = ml.MulticlassClassification.Evaluate(onCuda.Transform(test)).MicroAccuracy;
        double cpuAccuracy = ml.MulticlassClassification.Evaluate(onCpu.Transform(test)).MicroAccuracy;
        bool alike = Math.Abs(cudaLoss - cpuLoss) <= 0.05 * cpuLoss && Math.Abs(cudaAccuracy - cpuAccuracy) <= 0.03;
        return new("CUDA and CPU training learn alike (epoch-1 loss within 5 %, accuracy within 3 points)", alike,
                   $"loss {cudaLoss:F4} vs {cpuLoss:F4}, accuracy {cudaAccuracy:P2} vs {cpuAccuracy:P2}");
    }

    private static Check CompareScores(string name, List<float[]> expected, List<float[]> actual, float tolerance)
    {
        float largest = expected.Zip(actual, (e, a) => e.Zip(a, (x, y) => Math.Abs(x - y)).Max()).Max();
        int sameLabel = expected.Zip(actual).Count(p => ArgMax(p.First) == ArgMax(p.Second));
        return new(name, largest <= tolerance, $"largest difference {largest:G3} (tolerance {tolerance:G3}), same label for {sameLabel} of {expected.Count}");
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private static void WriteFixtureScores(string path, IEnumerable<float[]> scores)
    {
        using var writer = new BinaryWriter(File.Create(path));
        foreach (var value in scores.SelectMany(s => s))
            writer.Write(value);
    }

    private static List<float[]> Scores(IDataView scored) =>
        scored.GetColumn<VBuffer<float>>("Score").Select(score => score.DenseValues().ToArray()).ToList();

    private static int Report(List<Check> checks)
    {
        Console.WriteLine();
        Console.WriteLine("| device check | result | measured |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var check in checks)
            Console.WriteLine($"| {check.Name} | {(check.Passed ? "passed" : "FAILED")} | {check.Detail} |");
        int failed = checks.Count(c => !c.Passed);
        Console.WriteLine($"{checks.Count - failed} passed, {failed} failed");
        return failed;
    }
}
