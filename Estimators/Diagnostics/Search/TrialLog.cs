using System.Text.Json;

namespace MLExtensions.Diagnostics;

/// <summary>Finished trials as JSON lines, one per trial, appended as they finish; read back by key to skip them.</summary>
internal sealed class TrialLog
{
    // Baseline values the options leave to their defaults are NaN, which JSON has no number for.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly string? _path;
    private readonly Dictionary<string, SearchTrial> _done = [];

    internal TrialLog(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path))
            return;
        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var trial = JsonSerializer.Deserialize<SearchTrial>(line, Json)
                ?? throw new InvalidDataException($"The trial log '{path}' holds a line that is not a trial: {line}");
            _done[trial.Key] = trial with { FromLog = true };
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
}
