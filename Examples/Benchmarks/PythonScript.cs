using System.Diagnostics;
using System.Text.Json;

namespace Benchmarks;

/// <summary>Runs a reference script under Python and reads the JSON line it prints last.</summary>
internal static class PythonScript
{
    internal static JsonDocument RunForJson(string python, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors.Result}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]);
    }
}
