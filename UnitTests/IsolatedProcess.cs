using System.Diagnostics;
using System.Reflection;
using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>Scores data with a saved model in a separate process (UnitTests/IsolatedLoader), as a deployed app would.</summary>
internal static class IsolatedProcess
{
    /// <summary>Returns the float vector column of every row, flattened, and the loader's console output.</summary>
    internal static (float[] Values, string Output) Score(MLContext ml, string modelPath, IDataView data, string column, string directory)
    {
        var dataPath = Path.Combine(directory, $"{Guid.NewGuid():N}.idv");
        using (var stream = File.Create(dataPath))
            ml.Data.SaveAsBinary(data, stream);
        var outputPath = Path.Combine(directory, $"{Guid.NewGuid():N}.bin");
        var loader = typeof(IsolatedProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "IsolatedLoaderPath").Value!;
        Assert.IsTrue(File.Exists(loader), $"IsolatedLoader was not built at {loader}");

        var start = new ProcessStartInfo("dotnet", [loader, modelPath, dataPath, column, outputPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The same convolution kernels as this process: where oneDNN computes small networks wrongly, this process
        // may have switched it off for a network an earlier test built (OneDnnConvolutionCheck), and scores are
        // compared bit for bit.
        start.Environment[Native.OneDnnConvolutionCheck.Variable] = Native.OneDnnConvolutionCheck.OneDnnEnabled ? "on" : "off";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)), "the loader process hung");
        Assert.AreEqual(0, process.ExitCode, $"loader failed: {stdout.Result}\n{stderr}");

        var bytes = File.ReadAllBytes(outputPath);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return (values, stdout.Result);
    }
}
