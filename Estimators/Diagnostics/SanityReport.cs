using System.Text;

namespace MLExtensions;

/// <summary>One pre-training check: what was measured, what was expected, and what to do when it failed.</summary>
public sealed record SanityCheckResult(string Check, bool Passed, string Measured, string Expected, string? Advice = null)
{
    public override string ToString() => $"[{(Passed ? "pass" : "FAIL")}] {Check}: {Measured} (expected {Expected})" + (Passed || Advice is null ? "" : $" — {Advice}");
}

/// <summary>The training checklist's checks before training (§9), as <see cref="TrainingDiagnostics.SanityCheck"/> ran them.</summary>
public sealed class SanityReport
{
    internal SanityReport(IReadOnlyList<SanityCheckResult> checks) => Checks = checks;

    public IReadOnlyList<SanityCheckResult> Checks { get; }

    public bool Passed => Checks.All(c => c.Passed);

    public IEnumerable<SanityCheckResult> Failures => Checks.Where(c => !c.Passed);

    public override string ToString()
    {
        var text = new StringBuilder(Passed ? "Sanity checks passed:" : $"Sanity checks failed ({Failures.Count()} of {Checks.Count}):");
        foreach (var check in Checks)
            text.AppendLine().Append("  ").Append(check);
        return text.ToString();
    }
}
