using System.Text.Json;

namespace MLExtensions.Diagnostics;

/// <summary>
/// Finished trials as JSON lines, one per trial, appended as they finish; read back by key to skip them. A cut last
/// line, which is what a crash while appending leaves, is dropped from the file with a warning (its trial runs
/// again); any other line that is not a trial is an error naming the file and the line.
/// </summary>
internal sealed class TrialLog
{
    // Baseline values the options leave to their defaults are NaN, which JSON has no number for.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly string? _path;
    private readonly Dictionary<string, SearchTrial> _done = [];

    /// <param name="warn">Where the warning about a cut last line goes (the MLContext's log).</param>
    internal TrialLog(string? path, Action<string> warn)
    {
        _path = path;
        if (path is null || !File.Exists(path))
            return;
        var lines = File.ReadAllLines(path);
        int last = Array.FindLastIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        for (int i = 0; i <= last; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            if (Parse(lines[i], out var error) is { } trial)
                _done[trial.Key] = trial with { FromLog = true };
            else if (i == last)
                DropCutLastLine(path, lines, i, warn);
            else
                throw new InvalidDataException($"Line {i + 1} of the trial log '{path}' is not a trial ({error}); only a cut last line is what a crash " +
                                               $"leaves, so the log was changed by hand or damaged. Delete or fix that line (its trial then runs again): {Shorten(lines[i])}");
        }
    }

    internal bool TryGet(string key, out SearchTrial trial) => _done.TryGetValue(key, out trial!);

    internal void Add(SearchTrial trial)
    {
        _done[trial.Key] = trial;
        if (_path is null)
            return;
        if (Path.GetDirectoryName(Path.GetFullPath(_path)) is { } directory)
            Directory.CreateDirectory(directory);
        File.AppendAllLines(_path, [JsonSerializer.Serialize(trial with { FromLog = false }, Json)]);
    }

    private static SearchTrial? Parse(string line, out string? error)
    {
        error = null;
        try
        {
            return JsonSerializer.Deserialize<SearchTrial>(line, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            error = e.Message;
            return null;
        }
    }

    // Rewritten without it, so the next trial appended starts a line of its own.
    private static void DropCutLastLine(string path, string[] lines, int index, Action<string> warn)
    {
        File.WriteAllLines(path, lines[..index]);
        warn($"HyperparameterSearch: the last line of the trial log '{path}' (line {index + 1}) was cut off, as a crash while writing it leaves it; " +
             $"it was removed and its trial will run again: {Shorten(lines[index])}");
    }

    private static string Shorten(string line) => line.Length <= 120 ? line : line[..120] + "…";
}
