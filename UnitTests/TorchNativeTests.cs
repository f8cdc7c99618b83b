using System.Diagnostics;
using System.Reflection;
using MLExtensions.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class TorchNativeTests
{
    private static bool SystemLibStdCxxHasRequiredVersion()
    {
        var candidates = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" };
        var path = candidates.First(File.Exists);
        return System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path)).Contains(LibTorchSharpLoader.MissingVersion + "\0");
    }

    [TestMethod]
    public void ConvolutionForwardAndBackwardRunThroughTorchSharp()
    {
        var device = ComputeDeviceResolver.Resolve(ComputeDevice.Cpu);
        using var scope = NewDisposeScope();
        torch.random.manual_seed(3);
        var conv = nn.Conv2d(1, 2, 3);
        var input = randn(4, 1, 6, 6, device: device).requires_grad_(true);
        var loss = conv.forward(input).pow(2).sum();
        loss.backward();

        CollectionAssert.AreEqual(new long[] { 2, 1, 3, 3 }, conv.weight!.grad!.shape);
        // Check one weight gradient against a central finite difference.
        double analytic = conv.weight.grad[1, 0, 1, 2].item<float>();
        using (no_grad())
        {
            const float h = 1e-2f;
            conv.weight[1, 0, 1, 2].add_(h);
            double plus = conv.forward(input).pow(2).sum().item<float>();
            conv.weight[1, 0, 1, 2].sub_(2 * h);
            double minus = conv.forward(input).pow(2).sum().item<float>();
            Assert.AreEqual((plus - minus) / (2 * h), analytic, Math.Max(1e-2, Math.Abs(analytic) * 1e-2));
        }
        Assert.AreEqual(new long[] { 4, 1, 6, 6 }.Aggregate((a, b) => a * b), input.grad!.numel());
    }

    [TestMethod]
    public void NativeBridgeIsPatchedOnlyWhenTheSystemNeedsIt()
    {
        ComputeDeviceResolver.Resolve(ComputeDevice.Cpu);
        var original = LibTorchSharpLoader.FindOriginal(typeof(torch).Assembly);
        Assert.IsNotNull(original, "libLibTorchSharp.so not found in the native search directories");
        var requirement = ElfVersionRequirements.Read(File.ReadAllBytes(original))
            .Single(r => r.Version == LibTorchSharpLoader.MissingVersion);
        Assert.IsFalse(requirement.IsWeak, "the original library in the build output must not be modified");

        if (SystemLibStdCxxHasRequiredVersion())
        {
            Assert.IsNull(LibTorchSharpLoader.PatchedCopyPath, "patched although the system libstdc++ has the version");
            return;
        }
        var copy = LibTorchSharpLoader.PatchedCopyPath;
        Assert.IsNotNull(copy, $"TorchSharp loaded without the patched copy: {LibTorchSharpLoader.LastDiagnostic}");
        StringAssert.StartsWith(copy, LibTorchSharpLoader.CacheRoot());
        Assert.IsTrue(ElfVersionRequirements.Read(File.ReadAllBytes(copy)).Single(r => r.Version == LibTorchSharpLoader.MissingVersion).IsWeak);
        Assert.AreEqual(copy, LibTorchSharpLoader.EnsurePatchedCopy(original), "a second request must reuse the cached copy");
    }

    [TestMethod]
    public void MarkingWeakChangesOneFlagAndIsIdempotent()
    {
        var original = File.ReadAllBytes(LibTorchSharpLoader.FindOriginal(typeof(torch).Assembly)!);
        var once = (byte[])original.Clone();
        Assert.IsTrue(ElfVersionRequirements.MarkWeak(once, LibTorchSharpLoader.MissingVersion));
        var twice = (byte[])once.Clone();
        Assert.IsTrue(ElfVersionRequirements.MarkWeak(twice, LibTorchSharpLoader.MissingVersion));
        CollectionAssert.AreEqual(once, twice);

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != once[i]).ToArray();
        Assert.AreEqual(1, changed.Length, "exactly one byte (the low byte of vna_flags) changes");
        Assert.AreEqual(ElfVersionRequirements.WeakFlag, once[changed[0]] & ElfVersionRequirements.WeakFlag);

        var before = ElfVersionRequirements.Read(original);
        var after = ElfVersionRequirements.Read(once);
        Assert.AreEqual(before.Count, after.Count);
        Assert.IsTrue(before.Zip(after).All(p => p.First.Version == p.Second.Version &&
            (p.First.Flags == p.Second.Flags) == (p.First.Version != LibTorchSharpLoader.MissingVersion)));
        Assert.IsFalse(ElfVersionRequirements.MarkWeak((byte[])original.Clone(), "GLIBCXX_9.9.99"));
    }

    [TestMethod]
    public void NonElfInputIsRejected()
        => Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionRequirements.Read(new byte[128]));

    [TestMethod]
    public void DeviceSelection()
    {
        Assert.AreEqual(DeviceType.CPU, ComputeDeviceResolver.Resolve(ComputeDevice.Cpu).type);
        if (ComputeDeviceResolver.IsCudaAvailable)
        {
            Assert.AreEqual(DeviceType.CUDA, ComputeDeviceResolver.Resolve(ComputeDevice.Auto).type);
            Assert.AreEqual(DeviceType.CUDA, ComputeDeviceResolver.Resolve(ComputeDevice.Cuda).type);
        }
        else
        {
            Assert.AreEqual(DeviceType.CPU, ComputeDeviceResolver.Resolve(ComputeDevice.Auto).type);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => ComputeDeviceResolver.Resolve(ComputeDevice.Cuda));
            StringAssert.Contains(e.Message, "TorchBackend=cuda");
            // This machine runs the CPU libtorch: the reason names the missing library and both ways to a CUDA build.
            var reason = ComputeDeviceResolver.CudaUnavailableReason!;
            StringAssert.Contains(reason, "libtorch_cuda could not be loaded");
            StringAssert.Contains(reason, "TorchBackend=external");
            StringAssert.Contains(e.Message, reason);
        }
    }

    [TestMethod]
    public void LargeTensorsAreBackedByHugePagesUnlessTheUserOptsOut()
    {
        var thp = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
        Assert.IsFalse(thp.Contains("[never]"), $"this test needs transparent huge pages in 'madvise' or 'always' mode; the kernel says: {thp}");
        // A fresh process, because libtorch reads the switch once, at its first allocation.
        Assert.IsTrue(HugePagesInChild(null) >= 32 << 10, "a 64 MB tensor should be mostly huge pages");
        if (!thp.Contains("[always]"))
            Assert.AreEqual(0, HugePagesInChild("0"), "THP_MEM_ALLOC_ENABLE=0 set by the user must be respected");
    }

    [TestMethod]
    public void FreedActivationsAreReusedWithoutPageFaultsUnlessTheUserOptsOut()
    {
        // A ResNet-20 step at batch 128 frees and allocates activations of 0.4-3 MB: with glibc's defaults the heap is
        // trimmed and faulted in again every step (tens of thousands of pages); with HeapReuse it stays.
        long reused = ChildOutput("heap-reuse", "FAULTS", environment => environment.Remove(HeapReuse.OptOutVariable));
        long optedOut = ChildOutput("heap-reuse", "FAULTS", environment => environment[HeapReuse.OptOutVariable] = "0");
        // Measured: 2,117 with reuse (mostly the Fit's own set-up, spread over its 8 steps), 37,058 without.
        Assert.IsGreaterThan(10_000L, optedOut, $"faults per step with {HeapReuse.OptOutVariable}=0: {optedOut} (the child no longer shows glibc's default)");
        Assert.IsLessThan(optedOut / 5, reused, $"faults per step with heap reuse: {reused}, without: {optedOut}");
    }

    private static long HugePagesInChild(string? userSetting) => ChildOutput("huge-pages", "HUGE", environment =>
    {
        environment.Remove(HugePageTensors.Variable);
        if (userSetting is not null)
            environment[HugePageTensors.Variable] = userSetting;
    });

    private static long ChildOutput(string mode, string prefix, Action<IDictionary<string, string?>> configure)
    {
        var child = typeof(TorchNativeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TrainingChildPath").Value!;
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { child, mode }, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("GLIBC_TUNABLES");
        configure(start.Environment);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(1)), "the child hung");
        Assert.AreEqual(0, process.ExitCode, $"child failed: {output}\n{errors.Result}");
        return long.Parse(output.Split('\n').Single(l => l.StartsWith(prefix + " ")).Substring(prefix.Length + 1));
    }
}
