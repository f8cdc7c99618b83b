using System.Reflection;

namespace MLExtensions.MLNetInternals;

/// <summary>
/// MLExtensions reaches ML.NET internals (this folder) that its contract tests check against one ML.NET release line.
/// ML.NET's assemblies all say version 1.0.0.0, so another release loads without complaint and would fail later with a
/// MissingMethodException deep inside; this checks the release (the assemblies' informational version) first and
/// fails with both versions named. The supported range is the one the package declares for Microsoft.ML: the build
/// writes that NuGet range into this assembly (metadata <see cref="RangeMetadataKey"/>), so the two cannot drift apart.
/// </summary>
internal static class MLNetVersionGuard
{
    internal const string RangeMetadataKey = "MicrosoftMLVersionRange";

    /// <summary>The NuGet range the package declares for Microsoft.ML, as written at build time, e.g. "[6.0.0, 6.1)".</summary>
    internal static readonly string DeclaredRange = typeof(MLNetVersionGuard).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == RangeMetadataKey).Value!;

    /// <summary>The release line the internals are built and tested against: [Minimum, Below).</summary>
    internal static readonly (Version Minimum, Version Below) Supported = ParseRange(DeclaredRange);
    internal static Version Minimum => Supported.Minimum;
    internal static Version Below => Supported.Below;

    private static readonly Lazy<string?> Problem = new(() => Check(LoadedVersion()));

    internal static void Ensure()
    {
        if (Problem.Value is { } problem)
            throw new InvalidOperationException(problem);
    }

    /// <summary>The release of the Microsoft.ML.Core assembly loaded in this process, or null when it does not say.</summary>
    internal static Version? LoadedVersion()
    {
        var informational = typeof(Microsoft.ML.Runtime.IHostEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var release = informational?.Split('+', '-')[0];
        return Version.TryParse(release, out var version) ? version : null;
    }

    /// <summary>Null when <paramref name="loaded"/> is supported (or unknown); otherwise what is wrong and what to do.</summary>
    internal static string? Check(Version? loaded)
        => loaded is null || (loaded >= Minimum && loaded < Below) ? null
            : $"MLExtensions {typeof(MLNetVersionGuard).Assembly.GetName().Version} works with Microsoft.ML versions from {Minimum} up to (not including) {Below} " +
              $"(NuGet range {DeclaredRange}), whose internal contracts it is tested against, but this application loaded Microsoft.ML {loaded}. " +
              $"Reference Microsoft.ML {Minimum.Major}.{Minimum.Minor}.x (e.g. {Minimum}) in the application, or use an MLExtensions release built for Microsoft.ML {loaded.Major}.{loaded.Minor}.";

    /// <summary>A NuGet range of the one form the package uses, "[minimum, below)"; versions as major.minor.patch (6.1 is 6.1.0).</summary>
    internal static (Version Minimum, Version Below) ParseRange(string range)
    {
        var bounds = range.Trim();
        if (bounds.Length < 5 || bounds[0] != '[' || bounds[^1] != ')' || bounds.Split(',') is not [var low, var high]
            || !Version.TryParse(low[1..].Trim(), out var minimum) || !Version.TryParse(high[..^1].Trim(), out var below))
            throw new FormatException($"Expected a Microsoft.ML range of the form \"[minimum, below)\", e.g. \"[6.0.0, 6.1)\"; got \"{range}\".");
        return (ThreeParts(minimum), ThreeParts(below));
    }

    private static Version ThreeParts(Version v) => new(v.Major, v.Minor, Math.Max(v.Build, 0));
}
