namespace Benchmarks;

/// <summary>
/// An allocator configuration a child process starts with: the library's default, its opt-out, the earlier default,
/// plain TorchSharp's (no MLExtensions setting at all), or any glibc tunables.
/// </summary>
internal sealed record MallocSetting(string Name, IReadOnlyDictionary<string, string?> Environment)
{
    private const string HeapReuse = "MLEXTENSIONS_HEAP_REUSE", Tunables = "GLIBC_TUNABLES", HugePages = "THP_MEM_ALLOC_ENABLE";

    /// <summary>What an application gets: whatever the library sets when it loads.</summary>
    internal static MallocSetting Library { get; } = new("library default", new Dictionary<string, string?> { [HeapReuse] = null, [Tunables] = null });

    /// <summary>The library's opt-out: glibc's own dynamic thresholds.</summary>
    internal static MallocSetting OptOut { get; } = new("MLEXTENSIONS_HEAP_REUSE=0", new Dictionary<string, string?> { [HeapReuse] = "0", [Tunables] = null });

    /// <summary>The default of the library's first release: a fixed 4 MB mmap threshold, 256 MB trim threshold.</summary>
    internal static MallocSetting Earlier { get; } = WithTunables("earlier default (mmap 4 MB, trim 256 MB)",
        "glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=268435456");

    /// <summary>A user's plain TorchSharp program: glibc's and libtorch's defaults, no huge pages asked for.</summary>
    internal static MallocSetting PlainTorchSharp { get; } = new("TorchSharp defaults",
        new Dictionary<string, string?> { [HeapReuse] = "0", [Tunables] = null, [HugePages] = "0" });

    /// <summary>
    /// The fastest settings measured for every workload on this kind of machine (docs/benchmarks.md), written out so
    /// that the speed guard's reference does not move with the library's own default: every allocation from the heap,
    /// 1 GB of freed heap kept, huge pages for large tensors.
    /// </summary>
    internal static MallocSetting FastestMeasured { get; } = new("glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824, huge pages",
        new Dictionary<string, string?> { [HeapReuse] = "0", [Tunables] = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824", [HugePages] = "1" });

    internal static MallocSetting WithTunables(string name, string tunables)
        => new(name, new Dictionary<string, string?> { [HeapReuse] = "0", [Tunables] = tunables });

    /// <summary>"library", "opt-out", "earlier", or "tunables:glibc.malloc.x=N:..." for any other.</summary>
    internal static MallocSetting Parse(string text) => text switch
    {
        "library" => Library,
        "opt-out" => OptOut,
        "earlier" => Earlier,
        _ when text.StartsWith("tunables:", StringComparison.Ordinal) => WithTunables(text["tunables:".Length..], text["tunables:".Length..]),
        _ => throw new ArgumentException($"Unknown malloc setting '{text}'; use library, opt-out, earlier or tunables:glibc.malloc.NAME=VALUE[:...]."),
    };
}
