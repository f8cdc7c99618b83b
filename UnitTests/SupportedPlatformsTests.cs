using System.Runtime.InteropServices;
using MLExtensions.Native;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class SupportedPlatformsTests
{
    [TestMethod]
    public void ThisMachineIsSupportedAndNamedByItsRuntimeIdentifier()
    {
        Assert.AreEqual("linux-x64", SupportedPlatforms.Current());
        Assert.IsNull(SupportedPlatforms.Problem(SupportedPlatforms.Current()));
    }

    [TestMethod]
    [DataRow("linux", Architecture.X64, true)]
    [DataRow("win", Architecture.X64, true)]
    [DataRow("osx", Architecture.Arm64, true)]
    [DataRow("osx", Architecture.X64, false)]
    [DataRow("linux", Architecture.Arm64, false)]
    [DataRow("win", Architecture.Arm64, false)]
    [DataRow("win", Architecture.X86, false)]
    public void OnlyPlatformsWithALibtorchPackageAreSupported(string os, Architecture architecture, bool supported)
    {
        var platform = SupportedPlatforms.Describe(os, architecture);
        var problem = SupportedPlatforms.Problem(platform);
        Assert.AreEqual(supported, problem is null, problem);
        if (problem is null)
            return;
        StringAssert.Contains(problem, $"runs on {platform}.");
        foreach (var rid in new[] { "linux-x64", "win-x64", "osx-arm64" })
            StringAssert.Contains(problem, rid);
    }
}
