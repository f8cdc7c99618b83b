using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;

namespace MLExtensions.Native;

/// <summary>
/// Makes TorchSharp's native bridge load on Linux distributions whose libstdc++ is older than the one it was
/// built against (Debian 12 stops at GLIBCXX_3.4.30; TorchSharp 0.107.0 asks for GLIBCXX_3.4.32).
/// </summary>
/// <remarks>
/// The only symbol bound to that version is <c>_ZSt21ios_base_library_initv</c>, and nothing relocates against it,
/// so marking the version requirement weak is enough for the library to load and run. The runtime asks this
/// resolver only after its own probing failed, so nothing happens on systems that do not need it. The original
/// file (build output, NuGet cache) is never modified: a patched copy is written once into a cache directory,
/// keyed by the original's hash, and reused by every later process.
/// </remarks>
internal static class LibTorchSharpLoader
{
    internal const string LibraryName = "LibTorchSharp";
    internal const string FileName = "libLibTorchSharp.so";
    internal const string MissingVersion = "GLIBCXX_3.4.32";
    internal const string CacheDirectoryVariable = "MLEXTENSIONS_NATIVE_CACHE";

    private static readonly object Gate = new();
    private static IntPtr _handle;

    /// <summary>What the resolver saw the last time it was asked, for error messages.</summary>
    internal static string? LastDiagnostic { get; private set; }

    /// <summary>The patched copy in use, or null when the original loaded as it is.</summary>
    internal static string? PatchedCopyPath { get; private set; }

#pragma warning disable CA2255 // The resolver must be in place before any TorchSharp P/Invoke, whichever type is touched first.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        var torchAssembly = typeof(TorchSharp.torch).Assembly;
        var context = AssemblyLoadContext.GetLoadContext(torchAssembly) ?? AssemblyLoadContext.Default;
        context.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        if (name != LibraryName || assembly != typeof(TorchSharp.torch).Assembly || !OperatingSystem.IsLinux())
            return IntPtr.Zero;
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
                return _handle;
            try
            {
                _handle = LoadWithWeakenedRequirement();
            }
            catch (Exception e)
            {
                LastDiagnostic = e.Message;
            }
            return _handle;
        }
    }

    private static IntPtr LoadWithWeakenedRequirement()
    {
        var original = FindOriginal(typeof(TorchSharp.torch).Assembly)
            ?? throw new FileNotFoundException($"{FileName} was not found in the application's native search directories.");
        try
        {
            return NativeLibrary.Load(original);
        }
        catch (DllNotFoundException e) when (e.Message.Contains(MissingVersion, StringComparison.Ordinal))
        {
            var copy = EnsurePatchedCopy(original);
            PreloadSiblingDependencies(original);
            var handle = NativeLibrary.Load(copy);
            PatchedCopyPath = copy;
            LastDiagnostic = $"loaded {copy}, a copy of {original} with its {MissingVersion} requirement marked weak";
            return handle;
        }
    }

    /// <summary>Writes (once) the copy of <paramref name="original"/> with the requirement marked weak.</summary>
    internal static string EnsurePatchedCopy(string original)
    {
        var image = File.ReadAllBytes(original);
        var requirement = ElfVersionRequirements.Read(image).FirstOrDefault(r => r.Version == MissingVersion)
            ?? throw new InvalidOperationException($"{original} does not require {MissingVersion}; it fails to load for another reason.");
        if (requirement.IsWeak)
            throw new InvalidOperationException($"{original} already treats {MissingVersion} as optional, yet it fails to load.");

        var hash = Convert.ToHexString(SHA256.HashData(image))[..16].ToLowerInvariant();
        var directory = Path.Combine(CacheRoot(), hash);
        var target = Path.Combine(directory, FileName);
        if (File.Exists(target) && ElfVersionRequirements.Read(File.ReadAllBytes(target)).Any(r => r.Version == MissingVersion && r.IsWeak))
            return target;

        ElfVersionRequirements.MarkWeak(image, MissingVersion);
        Directory.CreateDirectory(directory);
        // Concurrent processes (parallel test hosts) may race here: each writes its own file, the rename is atomic.
        var temporary = Path.Combine(directory, $"{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, image);
        File.Move(temporary, target, overwrite: true);
        return target;
    }

    internal static string CacheRoot()
    {
        var configured = Environment.GetEnvironmentVariable(CacheDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            return configured;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrWhiteSpace(xdg) ? xdg
            : !string.IsNullOrWhiteSpace(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(root, "mlextensions", "native");
    }

    internal static string? FindOriginal(Assembly torchAssembly)
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPath)
            directories.AddRange(searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var assemblyDirectory = Path.GetDirectoryName(torchAssembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            directories.Add(assemblyDirectory);
            directories.Add(Path.Combine(assemblyDirectory, "runtimes", "linux-x64", "native"));
        }
        directories.Add(AppContext.BaseDirectory);
        return directories.Select(d => Path.Combine(d, FileName)).FirstOrDefault(File.Exists);
    }

    // The copy lives away from libtorch, so its $ORIGIN run path no longer finds libtorch's libraries. Loading
    // them first by full path lets the dynamic loader satisfy the copy's dependencies by their sonames.
    private static void PreloadSiblingDependencies(string original)
    {
        var directory = Path.GetDirectoryName(original)!;
        foreach (var sibling in new[] { "libc10.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var path = Path.Combine(directory, sibling);
            if (File.Exists(path))
                NativeLibrary.Load(path);
        }
    }
}
