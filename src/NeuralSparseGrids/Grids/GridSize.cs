namespace NeuralSparseGrids.Grids;

/// <summary>Counts points and subspaces of regular sparse grids without building them, and guards memory.</summary>
public static class GridSize
{
    /// <summary>Default memory budget for a grid's coefficients: 2 GiB.</summary>
    public const long DefaultMaxBytes = 2L << 30;

    /// <summary>Number of grid points of the regular sparse grid (exact, by dynamic programming over the level sums).</summary>
    public static long Points(int dim, int level, GridType type) => (long)Count(dim, level, type, countPoints: true);

    /// <summary>Number of subspaces of the regular sparse grid.</summary>
    public static long Subspaces(int dim, int level, GridType type) => (long)Count(dim, level, type, countPoints: false);

    /// <summary>
    /// Points and subspaces of the anisotropic grid of <see cref="SparseGrid.CreateAnisotropic"/> (by walking its
    /// level vectors, without allocating points); doubles, so absurd grids can be reported.
    /// </summary>
    public static (double Points, long Subspaces) Anisotropic(IReadOnlyList<int> levels, GridType type)
    {
        double points = 0;
        long subspaces = 0;
        foreach (var l in SparseGrid.AnisotropicSubspaces(levels, type))
        {
            double size = 1;
            foreach (int lj in l) size *= Basis1D.Count(type, lj);
            points += size;
            subspaces++;
        }
        return (points, subspaces);
    }

    /// <summary>Bytes of a (points, outputs) coefficient matrix in double precision plus the grid's own tables.</summary>
    public static double EstimateBytes(int dim, int level, GridType type, int outputs, int bytesPerValue = 8) =>
        Count(dim, level, type, true) * outputs * (double)bytesPerValue + Count(dim, level, type, false) * (2.0 * dim * sizeof(int) + sizeof(long));

    /// <summary>Throws <see cref="GridTooLargeException"/> when the grid would need more than <paramref name="maxBytes"/>.</summary>
    public static void EnsureFits(int dim, int level, GridType type, int outputs, long maxBytes)
    {
        Validate(dim, level);
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "A grid needs at least one output.");
        double points = Count(dim, level, type, true);
        double bytes = EstimateBytes(dim, level, type, outputs);
        if (bytes > maxBytes || points > int.MaxValue)
            throw new GridTooLargeException(dim, level, type, points, bytes, maxBytes);
    }

    /// <summary>
    /// Throws <see cref="GridTooLargeException"/> when <paramref name="outputs"/> double columns over the points of
    /// <paramref name="grid"/> (any set of subspaces) would need more than <paramref name="maxBytes"/>.
    /// </summary>
    public static void EnsureFits(SparseGrid grid, int outputs, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(grid);
        double bytes = grid.PointCount * (double)Math.Max(1, outputs) * 8 + grid.SubspaceCount * (2.0 * grid.Dim * sizeof(int) + sizeof(long));
        if (bytes > maxBytes || grid.PointCount > int.MaxValue)
            throw new GridTooLargeException(grid.Dim, grid.Level, grid.Type, grid.PointCount, bytes, maxBytes);
    }

    internal static void Validate(int dim, int level)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The grid dimension must be at least 1.");
        if (level < 1) throw new ArgumentOutOfRangeException(nameof(level), level, "The grid level must be at least 1.");
        if (level + dim > 4096) throw new ArgumentOutOfRangeException(nameof(level), level, "Dimension plus level is unreasonably large.");
    }

    // ways[s] = sum over level vectors of the first j dimensions with level sum s of prod Count(l) (or of 1 for subspaces).
    // Doubles: exact up to 2^53, and they cannot overflow for the refusal message of absurd grids.
    private static double Count(int dim, int level, GridType type, bool countPoints)
    {
        Validate(dim, level);
        int min = Basis1D.MinLevel(type);
        int maxSum = level + dim - 1;
        int max1D = SparseGrid.MaxOneDimensionalLevel(dim, level, type);
        var ways = new double[maxSum + 1];
        ways[0] = 1;
        for (int j = 0; j < dim; j++)
        {
            var next = new double[maxSum + 1];
            for (int s = 0; s <= maxSum; s++)
            {
                if (ways[s] == 0) continue;
                for (int l = min; l <= max1D && s + l <= maxSum; l++)
                    next[s + l] += ways[s] * (countPoints ? Math.Pow(2, l - 1) * CountFactor(type, l) : 1);
            }
            ways = next;
        }
        return ways.Sum();
    }

    // Count(type, l) / 2^(l-1), so the DP works for levels beyond int range.
    private static double CountFactor(GridType type, int l) =>
        l == 0 ? 4.0 : (l == 1 && type == GridType.LinearExtendedBoundary ? 3.0 : 1.0);
}

/// <summary>Thrown before allocating a sparse grid whose coefficients would exceed the memory budget.</summary>
/// <param name="dim">Dimension d.</param>
/// <param name="level">Level n.</param>
/// <param name="type">Grid type.</param>
/// <param name="points">Number of grid points the grid would have (<see cref="Points"/>).</param>
/// <param name="bytes">Estimated bytes needed (<see cref="Bytes"/>).</param>
/// <param name="maxBytes">The budget that was exceeded (<see cref="MaxBytes"/>).</param>
public sealed class GridTooLargeException(int dim, int level, GridType type, double points, double bytes, long maxBytes)
    : Exception($"A {type} sparse grid with d = {dim}, n = {level} has {points:N0} points and would need about {FormatBytes(bytes)} " +
                $"({bytes:N0} bytes), above the budget of {FormatBytes(maxBytes)}. Lower the level or dimension, or raise the budget (`nsg train|grid --max-gib G`, NsgModelConfig.Grid.MaxBytes).")
{
    /// <summary>Number of grid points the grid would have.</summary>
    public double Points => points;

    /// <summary>Estimated bytes needed.</summary>
    public double Bytes => bytes;

    /// <summary>The budget that was exceeded.</summary>
    public long MaxBytes => maxBytes;

    /// <summary>Formats a byte count with binary units.</summary>
    public static string FormatBytes(double bytes)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return $"{bytes:0.##} {units[u]}";
    }
}
