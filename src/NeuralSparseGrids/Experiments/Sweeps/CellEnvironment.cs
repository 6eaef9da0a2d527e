namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// Environment variables every sweep cell process starts with, locally (<see cref="LocalSweepRunner"/>) and in the
/// Slurm and Kubernetes scripts (<see cref="SchedulerScripts"/>), so that a cell runs the same way wherever it runs.
/// </summary>
public static class CellEnvironment
{
    /// <summary>
    /// The variables for a cell that shares the machine with as many busy cells as there are cores (a scheduler's task,
    /// which gets its own cores, and local runs with workers &gt;= cores), in order:
    /// <list type="bullet">
    /// <item><c>OMP_WAIT_POLICY=passive</c>: libgomp's idle threads sleep instead of spinning (a spinning pool took a
    /// core from the other workers).</item>
    /// <item><c>DOTNET_TieredCompilation=0</c>: each method is compiled once, fully optimised, on first call. A cell is a
    /// short process, and with tiered compilation the runtime's background compiler re-compiled the hot methods on
    /// another core while the cell ran on tier-0 code: 2.4 of 7.3 CPU seconds of a gradient cell of the 16-cell swiss
    /// roll sweep, 3.1 of 27.1 of a least-squares cell. Without it a cell took 5.0-5.4 and 25.3 CPU seconds, all on
    /// one thread, with identical figures (README "Sweeps"). When every core runs a cell, that background work only
    /// competes with the other cells.</item>
    /// </list>
    /// </summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Variables =
    [
        new("OMP_WAIT_POLICY", "passive"),
        new("DOTNET_TieredCompilation", "0"),
    ];

    /// <summary>
    /// The variables for a local run with <paramref name="workers"/> worker processes on <paramref name="cores"/> cores:
    /// <see cref="Variables"/> when the workers occupy every core; with fewer workers than cores, tiered compilation
    /// stays on, since its background compiler then runs on a core that would otherwise idle (one worker on two cores
    /// finished its cells' main threads sooner with it: 4.7 vs 5.1 CPU s for a gradient cell, 23.0 vs 25.1 for a
    /// least-squares cell).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ForLocal(int workers, int cores) =>
        workers >= cores ? Variables : [.. Variables.Where(v => v.Key != "DOTNET_TieredCompilation")];
}
