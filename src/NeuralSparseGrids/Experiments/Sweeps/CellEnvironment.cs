namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// Environment variables every sweep cell process starts with, locally (<see cref="LocalSweepRunner"/>) and in the
/// Slurm and Kubernetes scripts (<see cref="SchedulerScripts"/>), so that a cell runs the same way wherever it runs.
/// </summary>
public static class CellEnvironment
{
    /// <summary>
    /// The variables, in order:
    /// <list type="bullet">
    /// <item><c>OMP_WAIT_POLICY=passive</c>: libgomp's idle threads sleep instead of spinning (a spinning pool took a
    /// core from the other workers).</item>
    /// <item><c>DOTNET_TieredCompilation=0</c>: each method is compiled once, fully optimised, on first call. A cell is a
    /// short process (about 5 CPU seconds for the 16-cell swiss roll sweep), and with tiered compilation the runtime's
    /// background compiler spent 2.3 of its 7.2 CPU seconds re-compiling hot methods on a second core while the cell ran
    /// on tier-0 code; without it the cell took 5.0-5.4 CPU seconds, all on one thread, with identical figures
    /// (measured on the swiss roll cells 0 and 1, README "Sweeps"). A one-thread cell then really uses one core, which
    /// is what N workers on N cores assume.</item>
    /// </list>
    /// </summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Variables =
    [
        new("OMP_WAIT_POLICY", "passive"),
        new("DOTNET_TieredCompilation", "0"),
    ];
}
