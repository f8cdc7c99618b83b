using System.Diagnostics;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>
/// Real PyTorch and torchvision (Debian's python3-torch, python3-torchvision for /usr/bin/python3) run by
/// torchvision_reference.py: seeded networks, their weight files and logits, once per test run (the script's LARGE
/// networks when first asked for, and deleted again with <see cref="Release"/>); and strict loading of our exported
/// files. A missing interpreter or package fails the test: it is not a reason to skip.
/// </summary>
internal static class TorchVisionReference
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "PyTorchReference", "torchvision_reference.py");
    private static readonly Lazy<string> Generated = new(Generate);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> GeneratedAlone = new();

    /// <summary>The folder holding NAME.pt, NAME.safetensors, NAME.logits.safetensors, input.safetensors.</summary>
    internal static string Directory => Generated.Value;

    internal static string Weights(string name, string extension) => Path.Combine(DirectoryOf(name), $"{name}{extension}");

    /// <summary>The fixed input [2,3,64,64] every reference network was run on.</summary>
    internal static Tensor Input() => ReadSingle(Path.Combine(Directory, "input.safetensors"), "input");

    /// <summary>PyTorch's eval-mode logits of the network NAME on <see cref="Input"/>.</summary>
    internal static Tensor Logits(string name) => ReadSingle(Path.Combine(DirectoryOf(name), $"{name}.logits.safetensors"), "logits");

    /// <summary>Deletes the files of a network written on its own (a large one), once its test is done with them.</summary>
    internal static void Release(string name)
    {
        if (GeneratedAlone.TryRemove(name, out var directory) && directory.IsValueCreated)
            System.IO.Directory.Delete(directory.Value, true);
    }

    private static string DirectoryOf(string name)
    {
        if (File.Exists(Path.Combine(Directory, $"{name}.logits.safetensors")))
            return Directory;
        return GeneratedAlone.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            var directory = Path.Combine(Directory, n);
            System.IO.Directory.CreateDirectory(directory);
            Run("generate", directory, n);
            return directory;
        })).Value;
    }

    /// <summary>
    /// PyTorch builds NAME, loads <paramref name="weightsPath"/> with load_state_dict(strict=True) and returns its logits
    /// on <see cref="Input"/> computed in float32 and in float64.
    /// </summary>
    internal static (Tensor Float32, Tensor Float64) LogitsOfLoaded(string name, string weightsPath)
    {
        var output = Path.Combine(Path.GetDirectoryName(weightsPath)!, $"{Guid.NewGuid():N}.logits.safetensors");
        Run("check", name, weightsPath, Path.Combine(Directory, "input.safetensors"), output);
        var entries = Safetensors.LoadStateDict(output);
        return (entries["logits"], entries["logits64"]);
    }

    /// <summary>
    /// Asserts that our float32 logits are as close to PyTorch's exact (float64) logits as PyTorch's own float32 ones
    /// are, within a factor of two, and in any case within <paramref name="tolerance"/> of their scale: trained weights
    /// can make float32 itself uncertain beyond 1e-5 (a batch norm whose running variance is far below its epsilon).
    /// </summary>
    internal static void AssertSameLogits(Tensor ours, (Tensor Float32, Tensor Float64) theirs, double tolerance, string what)
    {
        double uncertainty = RelativeError(theirs.Float32, theirs.Float64);
        double error = RelativeError(ours, theirs.Float64);
        Assert.IsTrue(error < Math.Max(tolerance, 2 * uncertainty),
            $"{what}: our logits differ from PyTorch's exact ones by {error:E2} of their scale; PyTorch's float32 ones by {uncertainty:E2}");
    }

    /// <summary>max |ours − theirs| / max |theirs|: the error relative to the output's scale.</summary>
    internal static double RelativeError(Tensor ours, Tensor theirs)
        => (ours - theirs).abs().max().item<float>() / theirs.abs().max().item<float>();

    private static Tensor ReadSingle(string path, string name)
    {
        var entries = Safetensors.LoadStateDict(path);
        return entries[name];
    }

    private static string Generate()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"torchvision-reference-{Environment.ProcessId}");
        DeleteThoseOfEndedRuns();
        System.IO.Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.Directory.Delete(directory, true); } catch (IOException) { } };
        Run("generate", directory);
        return directory;
    }

    // A test host that is killed leaves its folder (hundreds of MB) behind; the next run removes it.
    private static void DeleteThoseOfEndedRuns()
    {
        foreach (var folder in System.IO.Directory.GetDirectories(Path.GetTempPath(), "torchvision-reference-*"))
            if (int.TryParse(Path.GetFileName(folder)["torchvision-reference-".Length..], out int id) && !IsRunning(id))
                try { System.IO.Directory.Delete(folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Run(params string[] arguments)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing: install the reference with `apt-get install -y python3-torch python3-torchvision` (./test.sh does).");
        var start = new ProcessStartInfo(Python, [Script, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(3)), "the PyTorch reference script hung");
        Assert.AreEqual(0, process.ExitCode,
            $"torchvision_reference.py {string.Join(' ', arguments)} failed (is `apt-get install -y python3-torch python3-torchvision` done?):\n{stdout.Result}\n{stderr}");
    }
}
