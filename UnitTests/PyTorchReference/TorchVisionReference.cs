using System.Diagnostics;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>
/// Real PyTorch and torchvision (Debian's python3-torch, python3-torchvision for /usr/bin/python3) run by
/// torchvision_reference.py: seeded networks, their weight files and logits, once per test run; and strict loading of
/// our exported files. A missing interpreter or package fails the test: it is not a reason to skip.
/// </summary>
internal static class TorchVisionReference
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "PyTorchReference", "torchvision_reference.py");
    private static readonly Lazy<string> Generated = new(Generate);

    /// <summary>The folder holding NAME.pt, NAME.safetensors, NAME.logits.safetensors, input.safetensors.</summary>
    internal static string Directory => Generated.Value;

    internal static string Weights(string name, string extension) => Path.Combine(Directory, $"{name}{extension}");

    /// <summary>The fixed input [2,3,64,64] every reference network was run on.</summary>
    internal static Tensor Input() => ReadSingle(Path.Combine(Directory, "input.safetensors"), "input");

    /// <summary>PyTorch's eval-mode logits of the network NAME on <see cref="Input"/>.</summary>
    internal static Tensor Logits(string name) => ReadSingle(Path.Combine(Directory, $"{name}.logits.safetensors"), "logits");

    /// <summary>PyTorch builds NAME, loads <paramref name="weightsPath"/> with load_state_dict(strict=True) and returns its logits on <see cref="Input"/>.</summary>
    internal static Tensor LogitsOfLoaded(string name, string weightsPath)
    {
        var output = Path.Combine(Path.GetDirectoryName(weightsPath)!, $"{Guid.NewGuid():N}.logits.safetensors");
        Run("check", name, weightsPath, Path.Combine(Directory, "input.safetensors"), output);
        return ReadSingle(output, "logits");
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
        System.IO.Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.Directory.Delete(directory, true); } catch (IOException) { } };
        Run("generate", directory);
        return directory;
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
