using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace MLExtensions.UnitTests;

/// <summary>
/// The dependencies a packable project declares in its NuGet package: packs the already built project (no build) into
/// a temporary folder and reads the nuspec inside the .nupkg, as NuGet will for a user's restore.
/// </summary>
internal static class PackedDependencies
{
    /// <summary>Package id to declared version range, e.g. "Microsoft.ML" → "[6.0.0, 6.1.0)".</summary>
    internal static IReadOnlyDictionary<string, string> Of(string project)
    {
        string output = Path.Combine(Path.GetTempPath(), $"mlext-pack-{Guid.NewGuid():N}");
        try
        {
            Pack(ProjectFile(project), output);
            var package = Directory.GetFiles(output, $"{project}.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            using var zip = ZipFile.OpenRead(package);
            using var nuspec = zip.Entries.Single(e => e.FullName == $"{project}.nuspec").Open();
            var document = XDocument.Load(nuspec);
            return document.Descendants().Where(e => e.Name.LocalName == "dependency")
                .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);
        }
        finally
        {
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
        }
    }

    private static string ProjectFile(string project)
    {
        var projects = typeof(PackedDependencies).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PackableProjects").Value!;
        return projects.Split(';').Single(p => Path.GetFileNameWithoutExtension(p) == project);
    }

    private static void Pack(string projectFile, string output)
    {
        var configuration = typeof(PackedDependencies).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "pack", projectFile, "-c", configuration, "--no-build", "--no-restore", "-o", output, "-nologo" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var log = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)), "dotnet pack hung");
        Assert.AreEqual(0, process.ExitCode, $"dotnet pack {projectFile} failed:\n{log}\n{errors.Result}");
    }
}
