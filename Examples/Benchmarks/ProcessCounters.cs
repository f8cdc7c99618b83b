namespace Benchmarks;

/// <summary>
/// What the kernel counts for this process (Linux /proc/self): minor page faults, CPU time in the kernel and in user
/// space, and peak resident memory.
/// </summary>
internal readonly record struct ProcessCounters(long MinorFaults, double SystemSeconds, double UserSeconds)
{
    // /proc/self/stat reports times in clock ticks; USER_HZ is 100 on every Linux the project runs on.
    private const double TicksPerSecond = 100;

    internal static ProcessCounters Now()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        // The second field (the command) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state(0) ... minflt(7) cminflt(8) majflt(9) cmajflt(10) utime(11) stime(12).
        return new ProcessCounters(long.Parse(fields[7]), long.Parse(fields[12]) / TicksPerSecond, long.Parse(fields[11]) / TicksPerSecond);
    }

    public static ProcessCounters operator -(ProcessCounters later, ProcessCounters earlier)
        => new(later.MinorFaults - earlier.MinorFaults, later.SystemSeconds - earlier.SystemSeconds, later.UserSeconds - earlier.UserSeconds);

    /// <summary>Bytes of a /proc/self/status memory line (VmRSS: now, VmHWM: peak).</summary>
    internal static long Memory(string field) => File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field + ":"))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();
}
