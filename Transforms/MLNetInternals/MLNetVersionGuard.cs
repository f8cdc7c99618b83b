using System.Reflection;

namespace MLExtensions.MLNetInternals;

/// <summary>
/// MLExtensions reaches ML.NET internals (this folder) that its contract tests check against one ML.NET release line.
/// ML.NET's assemblies all say version 1.0.0.0, so another release loads without complaint and would fail later with a
/// MissingMethodException deep inside; this checks the release (the assemblies' informational version) first and
/// fails with both versions named.
/// </summary>
internal static class MLNetVersionGuard
{
    /// <summary>The release line the internals are built and tested against: [Minimum, Below).</summary>
    internal static readonly Version Minimum = new(5, 0, 1);
    internal static readonly Version Below = new(5, 1);

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
            : $"MLExtensions {typeof(MLNetVersionGuard).Assembly.GetName().Version} works with Microsoft.ML versions from {Minimum} up to (not including) {Below}, " +
              $"whose internal contracts it is tested against, but this application loaded Microsoft.ML {loaded}. " +
              $"Reference Microsoft.ML {Minimum.Major}.{Minimum.Minor}.x (e.g. {Minimum}) in the application, or use an MLExtensions release built for Microsoft.ML {loaded.Major}.{loaded.Minor}.";
}
