using System.Text.RegularExpressions;

namespace MLExtensions.UnitTests;

/// <summary>
/// Every C# block of README.md and docs/ must stand, line for line, in a C# file of an example project this test
/// project references, and so builds first (Examples/QuickStart holds the README's example, Examples/GuideSnippets the
/// guides' code): the documentation cannot show code that does not compile against the current API.
/// </summary>
[TestClass]
public sealed class GuideCodeIsCompiledTests
{
    private static readonly Regex CSharpFence = new(@"^```(?:csharp|cs|c#)\s*\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline);

    [TestMethod]
    public void EveryCSharpBlockOfTheDocumentationIsInACompiledProject()
    {
        string root = RepositoryRoot();
        var sources = CompiledSources(root).Select(f => Lines(File.ReadAllText(f))).ToList();
        var blocks = DocumentationFiles(root).SelectMany(file => Blocks(file).Select(b => (File: Path.GetRelativePath(root, file), Block: b))).ToList();
        Assert.IsTrue(blocks.Count >= 15, $"only {blocks.Count} C# blocks found in README.md and docs/: is the fence pattern still right?");
        Assert.IsTrue(blocks.Any(b => b.File == "README.md"), "README.md's example is a C# block");

        var missing = blocks.Where(b => !sources.Any(source => Contains(source, Lines(b.Block))))
            .Select(b => $"{b.File}: block starting '{Lines(b.Block)[0]}'").ToList();
        Assert.AreEqual(0, missing.Count, "C# blocks not found line for line in any compiled example (copy the code from there, or add it there):\n" + string.Join("\n", missing));
    }

    [TestMethod]
    public void ABlockThatDiffersByOneTokenIsNotFound()
    {
        string root = RepositoryRoot();
        var sources = CompiledSources(root).Select(f => Lines(File.ReadAllText(f))).ToList();
        var readme = Lines(Blocks(Path.Combine(root, "README.md")).First());
        Assert.IsTrue(sources.Any(s => Contains(s, readme)));
        var changed = readme.Select(l => l.Replace("ImageHeight = 128", "ImageHeight = 129", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreNotEqual(readme, changed, "the README's example sets ImageHeight = 128");
        Assert.IsFalse(sources.Any(s => Contains(s, changed)));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLExtensions.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No MLExtensions.sln above {AppContext.BaseDirectory}.");
    }

    private static IEnumerable<string> DocumentationFiles(string root)
        => Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Where(f => !IsGenerated(Path.GetRelativePath(root, f)))
            .Prepend(Path.Combine(root, "README.md"));

    // The C# files of the example projects the test project references, so the test command has just compiled them.
    private static IEnumerable<string> CompiledSources(string root)
    {
        var unitTests = Path.Combine(root, "UnitTests");
        var folders = Regex.Matches(File.ReadAllText(Path.Combine(unitTests, "MLExtensions.UnitTests.csproj")), @"ProjectReference Include=""(\.\./Examples/[^""]+\.csproj)""")
            .Select(m => Path.GetDirectoryName(Path.GetFullPath(Path.Combine(unitTests, m.Groups[1].Value)))!)
            .ToList();
        Assert.IsTrue(folders.Any(f => f.EndsWith("QuickStart", StringComparison.Ordinal)), "the test project builds Examples/QuickStart");
        // Examples/Shared is compiled into the example apps (<Compile Include="../Shared/*.cs" />).
        folders.Add(Path.Combine(root, "Examples", "Shared"));
        return folders.Distinct().SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !IsGenerated(Path.GetRelativePath(root, f)));
    }

    private static bool IsGenerated(string relative)
        => relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "_site" or "api");

    private static IEnumerable<string> Blocks(string markdown) => CSharpFence.Matches(File.ReadAllText(markdown)).Select(m => m.Groups[1].Value);

    private static List<string> Lines(string text)
        => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private static bool Contains(List<string> source, List<string> block)
    {
        for (int start = 0; start + block.Count <= source.Count; start++)
            if (source.Skip(start).Take(block.Count).SequenceEqual(block))
                return true;
        return false;
    }
}
