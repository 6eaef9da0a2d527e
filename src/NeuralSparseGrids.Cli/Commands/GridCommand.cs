using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg grid`: sizes of a regular sparse grid (points, subspaces, coefficient memory) without building it.</summary>
public sealed class GridCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "grid";

    /// <inheritdoc />
    public string Summary => "Points, subspaces and coefficient memory of a regular or anisotropic sparse grid.";

    /// <inheritdoc />
    public string Usage =>
        "nsg grid --dim D (--level N | --levels A,B,...) [--grid linear|boundary|extended-boundary|modified-linear] [--outputs O] [--max-gib G] [--json]\n\n" +
        "Counts the points and subspaces of the regular sparse grid of dimension D and level N (exactly, without\n" +
        "building it) and the memory of its (points, outputs) coefficient matrix in double precision.\n" +
        "  --levels    instead of --level: the anisotropic grid with a maximum level per dimension (D entries;\n" +
        "              the regular grid of level max(A,B,...) without the subspaces above a dimension's own level)\n" +
        "  --grid      basis: linear (zero boundary, default), boundary (V^0B), extended-boundary (V^B(1)),\n" +
        "              modified-linear\n" +
        "  --outputs   number of coefficient columns (default 1)\n" +
        "  --max-gib   memory budget in GiB (default 2); a larger grid is refused with exit code 1\n" +
        "  --json      last stdout line is one JSON object: dim, level, levels, grid, outputs, points, subspaces,\n" +
        "              maxLevel1D, coefficientBytes, estimatedBytes, maxBytes";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        if (args.String("dim") is null) throw new CliUsageException("--dim is required (the grid dimension, an integer >= 1).");
        int[]? levels = ExperimentOptions.ParseLevels(args);
        if (levels is null && args.String("level") is null) throw new CliUsageException("--level (the grid level, an integer >= 1) or --levels (one level per dimension) is required.");
        int dim = args.Int("dim", 0, 1, 4095);
        if (levels is not null && levels.Length != dim) throw new CliUsageException($"--levels gives {levels.Length} levels for --dim {dim}: give one per dimension.");
        int level = levels?.Max() ?? args.Int("level", 0, 1, 4095);
        if (dim + level > 4096) throw new CliUsageException($"--dim plus --level must be at most 4096, got {dim + level}.");
        var type = args.Choice("grid", GridType.Linear, ExperimentOptions.GridTypes);
        int outputs = args.Int("outputs", 1, 1, 1_000_000);
        double maxGib = args.Double("max-gib", GridSize.DefaultMaxBytes / (double)(1L << 30), 1e-9, 1e9);
        args.EnsureAllConsumed();

        long maxBytes = (long)Math.Min(long.MaxValue, maxGib * (1L << 30));
        string gridName = ExperimentOptions.GridTypes.First(kv => kv.Value == type).Key;
        if (levels is not null) return RunAnisotropic(levels, type, gridName, outputs, maxBytes, context);
        try
        {
            GridSize.EnsureFits(dim, level, type, outputs, maxBytes);
        }
        catch (GridTooLargeException e)
        {
            context.Error.WriteLine($"nsg grid: {e.Message}");
            return CliApp.Failure;
        }
        long points = GridSize.Points(dim, level, type);
        long subspaces = GridSize.Subspaces(dim, level, type);
        var result = new GridReport(dim, level, null, gridName, outputs, points, subspaces, level + (dim - 1) * (1 - Basis1D.MinLevel(type)),
            points * outputs * sizeof(double), (long)GridSize.EstimateBytes(dim, level, type, outputs), maxBytes);
        return Report($"{type} sparse grid, d = {dim}, n = {level}", result, context);
    }

    private static int RunAnisotropic(int[] levels, GridType type, string gridName, int outputs, long maxBytes, CliContext context)
    {
        int dim = levels.Length;
        var (points, subspaces) = GridSize.Anisotropic(levels, type);
        double estimated = points * outputs * sizeof(double) + subspaces * (2.0 * dim * sizeof(int) + sizeof(long));
        if (estimated > maxBytes || points > int.MaxValue)
        {
            var refusal = new GridTooLargeException(dim, levels.Max(), type, points, estimated, maxBytes);
            context.Error.WriteLine($"nsg grid: {refusal.Message} (anisotropic levels {string.Join(",", levels)})");
            return CliApp.Failure;
        }
        int maxLevel1D = levels.Max(n => n + (dim - 1) * (1 - Basis1D.MinLevel(type)));
        var result = new GridReport(dim, levels.Max(), levels, gridName, outputs, (long)points, subspaces, maxLevel1D,
            (long)points * outputs * sizeof(double), (long)estimated, maxBytes);
        return Report($"{type} anisotropic sparse grid, d = {dim}, levels {string.Join(",", levels)}", result, context);
    }

    private static int Report(string title, GridReport result, CliContext context)
    {
        long coefficientBytes = result.CoefficientBytes, maxBytes = result.MaxBytes, points = result.Points, subspaces = result.Subspaces;
        int outputs = result.Outputs;
        double estimated = result.EstimatedBytes;
        context.Out.WriteLine(title);
        context.Out.WriteLine($"  points            {points:N0}");
        context.Out.WriteLine($"  subspaces         {subspaces:N0}");
        context.Out.WriteLine($"  max 1-D level     {result.MaxLevel1D}");
        context.Out.WriteLine($"  coefficients      {GridTooLargeException.FormatBytes(coefficientBytes)} ({coefficientBytes:N0} bytes, {outputs} output{(outputs == 1 ? "" : "s")}, double)");
        context.Out.WriteLine($"  with grid tables  {GridTooLargeException.FormatBytes(estimated)} (budget {GridTooLargeException.FormatBytes(maxBytes)})");
        if (context.Json) context.WriteJson(result);
        return 0;
    }

    /// <summary>The JSON result line of `nsg grid --json`.</summary>
    /// <param name="Levels">Anisotropic grids: the maximum level per dimension (null for regular grids; Level is then max of them).</param>
    public sealed record GridReport(int Dim, int Level, int[]? Levels, string Grid, int Outputs, long Points, long Subspaces, int MaxLevel1D,
        long CoefficientBytes, long EstimatedBytes, long MaxBytes);
}
