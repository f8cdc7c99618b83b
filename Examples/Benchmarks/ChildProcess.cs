using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// Runs this benchmark program again as a child process, for measurements that must not share a process: each one
/// then starts with fresh native allocator state, fresh kernel caches and its own environment.
/// </summary>
internal static class ChildProcess
{
    internal const string ResultPrefix = "RESULT ";

    /// <summary>
    /// Runs the program with <paramref name="arguments"/> and <paramref name="environment"/> (a null value removes
    /// the variable), echoes its output with <paramref name="label"/> (unless <paramref name="echo"/> is false) and
    /// returns the text of its <c>RESULT</c> line.
    /// </summary>
    internal static string Run(string label, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, bool echo = true)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        using var process = Process.Start(start)!;
        string? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                result = line[ResultPrefix.Length..];
            else if (echo)
                Console.WriteLine($"  [{label}] {line}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"The '{label}' child exited with {process.ExitCode} without a result.");
        return result;
    }
}
