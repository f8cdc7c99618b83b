using System.Diagnostics;
using System.Reflection;
using MLExtensions.Cnn;
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
    [DataRow("heap-reuse", DisplayName = "ResNet-20 with bfloat16: activations of 0.4-3 MB")]
    [DataRow("heap-reuse-simple", DisplayName = "SimpleConvNet at batch 128: activations of 12.8 MB")]
    public void FreedActivationsAreReusedWithoutPageFaultsUnlessTheUserOptsOut(string network)
    {
        // A training step frees and allocates its activations again. glibc's defaults trim the heap and map large
        // blocks afresh, so the pages are faulted in again every step; the library's setting keeps them. The earlier
        // setting (a fixed 4 MB mmap threshold) reused small activations but mapped SimpleConvNet's large ones afresh.
        long reused = ChildOutput(network, "FAULTS", environment => environment.Remove(HeapReuse.OptOutVariable));
        long optedOut = ChildOutput(network, "FAULTS", environment => environment[HeapReuse.OptOutVariable] = "0");
        long earlier = ChildOutput(network, "FAULTS", environment =>
        {
            environment[HeapReuse.OptOutVariable] = "0";
            environment["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=268435456";
        });
        Assert.IsGreaterThan(5 * reused, optedOut, $"faults per step with {HeapReuse.OptOutVariable}=0: {optedOut}, with the library's setting: {reused}");
        if (network == "heap-reuse-simple")
            Assert.IsGreaterThan(5 * reused, earlier, $"faults per step with the earlier 4 MB threshold: {earlier}, with the library's setting: {reused}");
    }

    [TestMethod]
    [DataRow("4,8", DisplayName = "widths 4 and 8, which oneDNN pads to its channel block")]
    [DataRow("32,64", DisplayName = "the main job's widths 32 and 64")]
    public void OneDnnIsTurnedOffExactlyWhenANetworksConvolutionsComeOutWrongWithIt(string widths)
    {
        // A child that keeps oneDNN says whether it computes this network's convolutions right on this CPU; a child
        // with the default must have kept or turned off oneDNN accordingly, and computes them right either way.
        var (kept, _) = RunChild($"onednn-check {widths}", environment => environment[OneDnnConvolutionCheck.Variable] = "on");
        StringAssert.Contains(kept, "ENABLED True", "MLEXTENSIONS_ONEDNN=on keeps oneDNN");
        string withOneDnn = Line(kept, "WRONG");

        var (checkedOutput, _) = RunChild($"onednn-check {widths}", environment => environment.Remove(OneDnnConvolutionCheck.Variable));
        Assert.AreEqual($"ENABLED {withOneDnn == "none"}", $"ENABLED {Line(checkedOutput, "ENABLED")}", $"oneDNN on this network's convolutions: {withOneDnn}; with the check: {checkedOutput}");
        Assert.AreEqual("none", Line(checkedOutput, "WRONG"), "what the network computes with the library's choice");

        var (off, _) = RunChild($"onednn-check {widths}", environment => environment[OneDnnConvolutionCheck.Variable] = "off");
        Assert.AreEqual("False", Line(off, "ENABLED"), "MLEXTENSIONS_ONEDNN=off turns oneDNN off");
        Assert.AreEqual("none", Line(off, "WRONG"), "libtorch's own convolutions are right");
    }

    private static string Line(string output, string prefix)
        => output.Split('\n').Single(l => l.StartsWith(prefix + " ")).Substring(prefix.Length + 1).Trim();

    [TestMethod]
    [DataRow(CnnArchitecture.SimpleConvNet, new[] { 4, 8 })]
    [DataRow(CnnArchitecture.ResNet, new[] { 6, 10 })]
    [DataRow(CnnArchitecture.ResNet, new[] { 16, 32 })]
    public void NetworksOfAnyWidthComputeTheGradientsFloat64Computes(CnnArchitecture architecture, int[] widths)
    {
        // Widths that are not a multiple of oneDNN's channel block are where its kernels went wrong on this project's
        // machine: NaN gradients in most trainings, and losses that differed between runs of one seed.
        torch.random.manual_seed(5);
        var description = Tiny(widths) with { Architecture = architecture, Blocks = architecture == CnnArchitecture.ResNet ? [1, 1] : [] };
        using var network = NetworkFactory.Create(description);
        using var reference = NetworkFactory.Create(description);
        reference.load_state_dict(network.state_dict());
        reference.to(float64);
        using var scope = NewDisposeScope();
        var images = rand(16, 1, 28, 28);
        var labels = randint(10, [16], dtype: int64);
        foreach (var (net, input) in new[] { (network, images), (reference, images.to(float64)) })
        {
            net.train();
            nn.functional.cross_entropy(net.call(input), labels).backward();
        }
        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in network.named_parameters())
        {
            double scale = expected[name].abs().max().item<double>(), error = (parameter.grad!.to(float64) - expected[name]).abs().max().item<double>();
            Assert.IsTrue(error <= 1e-3 * Math.Max(scale, 1e-3), $"{name}: gradient off by {error:E2} (scale {scale:E2}); {OneDnnConvolutionCheck.Outcome}");
        }
    }

    private static NetworkDescription Tiny(int[] widths) => new()
    {
        Architecture = CnnArchitecture.SimpleConvNet, InputShape = new ImageShape(1, 28, 28), ClassCount = 10, Widths = widths, HiddenUnits = 16,
    };

    [TestMethod]
    public void SingleImagePredictionsWriteNothingToStandardError()
    {
        // On a CPU whose caches NNPACK cannot read (this machine's hypervisor hides them), libtorch logged
        // "Could not initialize NNPACK" for every small convolution: two lines per SimpleConvNet prediction.
        var (output, errors) = RunChild("single-images", _ => { });
        StringAssert.Contains(output, "PREDICTED 50");
        Assert.AreEqual("", errors.Trim(), "a service scoring one image per request must not fill its log");
        TorchRuntime.EnsureAvailable();
        Assert.IsFalse(NnpackSwitch.IsEnabled(), "NNPACK stays switched off in this process too");
    }

    private static long HugePagesInChild(string? userSetting) => ChildOutput("huge-pages", "HUGE", environment =>
    {
        environment.Remove(HugePageTensors.Variable);
        if (userSetting is not null)
            environment[HugePageTensors.Variable] = userSetting;
    });

    private static long ChildOutput(string mode, string prefix, Action<IDictionary<string, string?>> configure)
    {
        var (output, _) = RunChild(mode, configure);
        return long.Parse(output.Split('\n').Single(l => l.StartsWith(prefix + " ")).Substring(prefix.Length + 1));
    }

    private static (string Output, string Errors) RunChild(string mode, Action<IDictionary<string, string?>> configure)
    {
        var child = typeof(TorchNativeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TrainingChildPath").Value!;
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { child }, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in mode.Split(' '))
            start.ArgumentList.Add(argument);
        start.Environment.Remove("GLIBC_TUNABLES");
        configure(start.Environment);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(1)), "the child hung");
        Assert.AreEqual(0, process.ExitCode, $"child failed: {output}\n{errors.Result}");
        return (output, errors.Result);
    }
}
