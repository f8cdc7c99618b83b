namespace MLExtensions.Data;

/// <summary>
/// Lists the files under folders, entering every real directory at most once: a symbolic link to a folder already
/// entered (a link loop such as <c>a/loop -> a</c>, or a second link to one folder) is not followed but recorded in
/// <see cref="SkippedLinks"/>, so the caller can say so. Sub-folders are entered in ordinal order, so which of two
/// paths to one folder is listed is the same on every machine; the caller orders the files. Without this, .NET's
/// recursive enumeration follows a loop until paths grow too long and lists the same files many times over.
/// </summary>
internal sealed class FolderWalk
{
    private readonly HashSet<string> _entered = new(StringComparer.Ordinal);
    private readonly List<string> _skippedLinks = [];

    /// <summary>Each skipped link as "link -> the folder it leads to".</summary>
    public IReadOnlyList<string> SkippedLinks => _skippedLinks;

    /// <summary>The files under <paramref name="folder"/> and its sub-folders (links followed once), by full path.</summary>
    public IEnumerable<FileInfo> FilesUnder(DirectoryInfo folder)
    {
        var real = RealPath(folder.FullName);
        if (!_entered.Add(real))
        {
            _skippedLinks.Add($"{folder.FullName} -> {real}");
            yield break;
        }
        foreach (var file in folder.EnumerateFiles())
            yield return file;
        foreach (var sub in folder.EnumerateDirectories().OrderBy(d => d.FullName, StringComparer.Ordinal))
            foreach (var file in FilesUnder(sub))
                yield return file;
    }

    /// <summary>The path with every symbolic link along it resolved, as the operating system would reach it.</summary>
    internal static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var real = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(real, part);
            var target = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true);
            real = target is null ? next : RealPath(target.FullName);
        }
        return real;
    }
}
