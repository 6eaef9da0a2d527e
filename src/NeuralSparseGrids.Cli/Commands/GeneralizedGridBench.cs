using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using static TorchSharp.torch;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>Batch, outputs, element type, repeats, seed and warm-up pairs (null: until the compiler is quiet) of a layer benchmark.</summary>
internal sealed record LayerBenchSettings(int Batch, int Outputs, ScalarType DType, int Repeats, int Seed, int? Warmup);

/// <summary>
/// `nsg bench layer --versus traded`: the fused kernel's forward+backward on a regular grid and on a non-regular
/// downward-closed subspace set with the same number of subspaces, timed alternately in one run.
/// </summary>
/// <remarks>
/// Why "traded" and not "the same subspaces and points": a regular linear grid holds every subspace with
/// |l|_1 &lt;= n + d - 1, and a subspace's size 2^(|l|_1 - d) grows with |l|_1, so any other set of as many
/// subspaces swaps some of them for larger ones: equal subspace counts force more points. The traded set is the
/// closest: K of the top subspaces with l_0 at the smallest level are swapped for l + e_0 of K top subspaces with the
/// largest l_0 (a grid refined towards dimension 0, as a dimension-adaptive run grows it), K = as many as possible,
/// so the subspace count (the kernel's work per sample: one term per hat subspace) is equal and the point count
/// (its memory footprint) larger by K 2^(n-1) for linear grids.
/// </remarks>
internal static class GeneralizedGridBench
{
    public const string Usage =
        "--versus traded[:K] times the fused forward+backward on the regular grid of --dim/--level and on a non-regular\n" +
        "downward-closed set with the same subspace count (top subspaces with l_0 = 1 traded for l + e_0 of those with the\n" +
        "largest l_0, at most K trades, default as many as there are; equal subspace counts force more points: K = 1 adds\n" +
        "the fewest, both counts are printed), alternately in one run (median of R each, after a warm-up as above: until\n" +
        "the compiler is quiet, or --warmup W pairs), and prints the ratio generalized / regular (wall clock and process CPU).";

    /// <summary>
    /// The traded set of <paramref name="regular"/> (see the remarks) with at most <paramref name="maxTrades"/> trades
    /// (null: as many as possible; 1 gives the fewest extra points); throws where no trade is possible (d = 1).
    /// </summary>
    public static SparseGrid Traded(SparseGrid regular, int outputs, int? maxTrades = null)
    {
        int min = regular.MinLevel;
        var levels = GridRemap.LevelVectors(regular).Select(l => l.ToArray()).ToList();
        int top = levels.Max(l => l.Sum());
        var topLevel = levels.Where(l => l.Sum() == top).ToList();
        var removable = topLevel.Where(l => l[0] == min).ToList();
        var growable = topLevel.Where(l => l[0] > min).OrderByDescending(l => l[0]).ToList();
        int trades = Math.Min(Math.Min(removable.Count, growable.Count), maxTrades ?? int.MaxValue);
        if (trades == 0)
            throw new CliUsageException($"--versus traded: the regular grid d = {regular.Dim}, n = {regular.Level} has no top subspace to trade (needs d >= 2 and n >= 2).");
        var removed = removable.Take(trades).Select(l => string.Join(',', l)).ToHashSet();
        var added = growable.Take(trades).Select(l => l.Select((v, j) => j == 0 ? v + 1 : v).ToArray());
        var kept = levels.Where(l => !removed.Contains(string.Join(',', l)));
        return SparseGrid.FromDownwardClosedSubspaces(regular.Dim, regular.Type, kept.Concat(added), outputs);
    }

    /// <summary>Times both grids and prints (or writes as JSON) their sizes, medians and ratios.</summary>
    public static int Run(SparseGrid regular, int? maxTrades, LayerBenchSettings settings, CliContext context)
    {
        var traded = Traded(regular, settings.Outputs, maxTrades);
        using var a = Layer(regular, settings);
        using var b = Layer(traded, settings);
        using var generator = new Generator((ulong)settings.Seed);
        using var h = rand([settings.Batch, regular.Dim], settings.DType, generator: generator);
        using var upstream = randn([settings.Batch, settings.Outputs], settings.DType, generator: generator);
        using var process = Process.GetCurrentProcess();
        var warmup = BenchCommand.WarmUp(() =>
        {
            BenchCommand.TimeStep(a, LayerPath.Fused, h, upstream, process);
            BenchCommand.TimeStep(b, LayerPath.Fused, h, upstream, process);
        }, settings.Warmup);
        var (wallA, cpuA, wallB, cpuB) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int r = 0; r < settings.Repeats; r++)
        {
            var (w, c) = BenchCommand.TimeStep(a, LayerPath.Fused, h, upstream, process);
            wallA.Add(w); cpuA.Add(c);
            (w, c) = BenchCommand.TimeStep(b, LayerPath.Fused, h, upstream, process);
            wallB.Add(w); cpuB.Add(c);
        }
        double ra = Statistics.Median(wallA), rb = Statistics.Median(wallB), ca = Statistics.Median(cpuA), cb = Statistics.Median(cpuB);
        if (context.Json)
        {
            context.WriteJson(new
            {
                dim = regular.Dim, level = regular.Level, type = regular.Type.ToString(), settings.Batch, settings.Outputs, dtype = settings.DType.ToString(),
                settings.Repeats, threads = get_num_threads(),
                warmup = BenchCommand.WarmupJson(warmup),
                regular = new { subspaces = regular.SubspaceCount, points = regular.PointCount, maxLevel1D = regular.MaxLevel1D, fusedMs = ra, fusedCpuMs = ca },
                generalized = new { subspaces = traded.SubspaceCount, points = traded.PointCount, maxLevel1D = traded.MaxLevel1D, fusedMs = rb, fusedCpuMs = cb },
                generalizedOverRegular = rb / ra, generalizedOverRegularCpu = cb / ca, loadAverage = MachineLoad.OneMinute(),
            });
            return 0;
        }
        context.Out.WriteLine($"fused forward+backward, batch {settings.Batch}, {settings.Outputs} outputs, {settings.DType}, {get_num_threads()} torch threads, median of {settings.Repeats} alternating steps after a {warmup} (calls are pairs)");
        context.Out.WriteLine($"  regular      {regular.SubspaceCount,6} subspaces {regular.PointCount,9} points  {ra,10:F3} ms (CPU {ca:F3} ms)");
        context.Out.WriteLine($"  generalized  {traded.SubspaceCount,6} subspaces {traded.PointCount,9} points  {rb,10:F3} ms (CPU {cb:F3} ms)  (+{100.0 * (traded.PointCount - regular.PointCount) / regular.PointCount:F1}% points)");
        context.Out.WriteLine($"  generalized / regular: {rb / ra:F3} wall, {cb / ca:F3} process CPU; load average {MachineLoad.OneMinute()}");
        return 0;
    }

    private static SparseGridLayer Layer(SparseGrid grid, LayerBenchSettings settings) =>
        new(grid, settings.Outputs, new SparseGridLayerOptions { DType = settings.DType, Init = CoefficientInit.SmallNormal, Seed = settings.Seed });
}
