using System.Text;

namespace MLExtensions;

/// <summary>One pre-training check: what was measured, what was expected, and what to do when it failed.</summary>
public sealed record SanityCheckResult(string Check, bool Passed, string Measured, string Expected, string? Advice = null)
{
    /// <inheritdoc />
    public override string ToString() => $"[{(Passed ? "pass" : "FAIL")}] {Check}: {Measured} (expected {Expected})" + (Passed || Advice is null ? "" : $" — {Advice}");
}

/// <summary>
/// The training checklist's checks before training (§9), as <c>TrainingDiagnostics.SanityCheck</c> ran them.
/// </summary>
public sealed class SanityReport
{
    internal SanityReport(IReadOnlyList<SanityCheckResult> checks) => Checks = checks;

    /// <summary>Every check, in the order run.</summary>
    public IReadOnlyList<SanityCheckResult> Checks { get; }

    /// <summary>True when every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);

    /// <summary>The checks that failed.</summary>
    public IEnumerable<SanityCheckResult> Failures => Checks.Where(c => !c.Passed);

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder(Passed ? "Sanity checks passed:" : $"Sanity checks failed ({Failures.Count()} of {Checks.Count}):");
        foreach (var check in Checks)
            text.AppendLine().Append("  ").Append(check);
        return text.ToString();
    }
}
