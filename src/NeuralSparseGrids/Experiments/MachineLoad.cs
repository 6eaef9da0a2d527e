using System.Globalization;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// The machine's load, printed beside timings (benchmarks, `nsg bench`) so that a reader can judge how disturbed they
/// were on a shared machine.
/// </summary>
public static class MachineLoad
{
    /// <summary>The 1-minute load average from /proc/loadavg, or null where it cannot be read (not Linux, no access, an odd format).</summary>
    public static double? OneMinute()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary><see cref="OneMinute"/> as text for a log line: two decimals, or "?" where it cannot be read.</summary>
    public static string Text() => OneMinute()?.ToString("F2", CultureInfo.InvariantCulture) ?? "?";
}
