using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Analysis;

/// <summary>Bounding box, moments, diameter and cell occupancy of embeddings, row-major (n, d).</summary>
/// <remarks>
/// Diameter: the exact maximum pairwise distance costs O(n^2 d). Up to <see cref="ExactDiameterLimit"/> points it is
/// computed exactly. Above, it is computed exactly on a deterministic subsample of at most that many points: the
/// points attaining each dimension's minimum and maximum plus evenly strided points (indices floor(i n / limit), i = 0, 1, ... until the limit is reached); the
/// result is then a lower bound of the true diameter, and <see cref="LatentStatisticsResult.BoundingBoxDiagonal"/> an
/// upper bound. Cells: values are clamped into [0, 1] and a value x falls into cell min(floor(x 2^level), 2^level - 1).
/// </remarks>
public static class LatentStatistics
{
    /// <summary>Most points the diameter is computed on (exactly below, on a subsample above).</summary>
    public const int ExactDiameterLimit = 2000;

    /// <summary>
    /// Statistics of <paramref name="n"/> embeddings of dimension <paramref name="d"/>, row-major (n, d). Cell
    /// occupancy uses <paramref name="cellLevel"/>, or the level of <paramref name="grid"/> when that is given instead.
    /// </summary>
    public static LatentStatisticsResult Compute(ReadOnlySpan<double> embeddings, int n, int d, SparseGrid? grid = null, int? cellLevel = null)
    {
        EmbeddingArrays.CheckShape(embeddings.Length, n, d, nameof(embeddings));
        if (n < 1) throw new ArgumentException("Statistics need at least one embedding.", nameof(n));
        if (grid != null && grid.Dim != d) throw new ArgumentException($"The grid has dimension {grid.Dim} but the embeddings have {d}.", nameof(grid));
        for (int i = 0; i < embeddings.Length; i++)
            if (!double.IsFinite(embeddings[i])) throw new ArgumentException($"Embedding {i / d}, dimension {i % d} is {embeddings[i]}; all values must be finite.", nameof(embeddings));

        var min = new double[d];
        var max = new double[d];
        var mean = new double[d];
        var std = new double[d];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        var argMin = new int[d];
        var argMax = new int[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double v = embeddings[i * d + j];
                if (v < min[j]) { min[j] = v; argMin[j] = i; }
                if (v > max[j]) { max[j] = v; argMax[j] = i; }
                mean[j] += v;
            }
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double t = embeddings[i * d + j] - mean[j];
                std[j] += t * t;
            }
        double diagonal = 0;
        for (int j = 0; j < d; j++)
        {
            std[j] = Math.Sqrt(std[j] / n);
            diagonal += (max[j] - min[j]) * (max[j] - min[j]);
        }

        var sample = DiameterSample(n, argMin, argMax);
        double diameter = Diameter(embeddings, d, sample);
        int? level = cellLevel ?? grid?.Level;
        var cells = level is int l ? Occupancy(embeddings, n, d, l) : null;
        return new LatentStatisticsResult(n, d, min, max, mean, std, Math.Sqrt(diagonal), diameter, sample.Length == n, sample.Length, cells);
    }

    /// <summary>Statistics of float embeddings, row-major (n, d); see the double overload.</summary>
    public static LatentStatisticsResult Compute(ReadOnlySpan<float> embeddings, int n, int d, SparseGrid? grid = null, int? cellLevel = null) =>
        Compute(EmbeddingArrays.ToDouble(embeddings), n, d, grid, cellLevel);

    /// <summary>Occupied cells of mesh 2^-level on [0, 1]^d among row-major (n, d) embeddings (clamped into [0, 1]).</summary>
    public static CellOccupancy Occupancy(ReadOnlySpan<double> embeddings, int n, int d, int level)
    {
        EmbeddingArrays.CheckShape(embeddings.Length, n, d, nameof(embeddings));
        if (level < 0 || level > 30) throw new ArgumentOutOfRangeException(nameof(level), level, "The cell level must be in 0..30.");
        int perDim = 1 << level;
        var seen = new HashSet<int[]>(CellComparer.Instance);
        for (int i = 0; i < n; i++)
        {
            var cell = new int[d];
            for (int j = 0; j < d; j++)
            {
                double v = Math.Clamp(embeddings[i * d + j], 0, 1);
                cell[j] = Math.Min((int)(v * perDim), perDim - 1);
            }
            seen.Add(cell);
        }
        double total = Math.Pow(2, (double)level * d);
        return new CellOccupancy(level, seen.Count, total, seen.Count / total, n == 0 ? 0 : seen.Count / Math.Min(n, total));
    }

    private static int[] DiameterSample(int n, int[] argMin, int[] argMax)
    {
        if (n <= ExactDiameterLimit) return Enumerable.Range(0, n).ToArray();
        var chosen = new SortedSet<int>(argMin.Concat(argMax));
        // ExactDiameterLimit distinct strided indices exist (n > limit), so this fills the sample up to the limit.
        for (int i = 0; chosen.Count < ExactDiameterLimit; i++) chosen.Add((int)((long)i * n / ExactDiameterLimit));
        return chosen.ToArray();
    }

    private static double Diameter(ReadOnlySpan<double> x, int d, int[] sample)
    {
        double best = 0;
        for (int a = 0; a < sample.Length; a++)
        {
            var p = x.Slice(sample[a] * d, d);
            for (int b = a + 1; b < sample.Length; b++)
            {
                var q = x.Slice(sample[b] * d, d);
                double s = 0;
                for (int j = 0; j < d; j++) { double t = p[j] - q[j]; s += t * t; }
                if (s > best) best = s;
            }
        }
        return Math.Sqrt(best);
    }

    private sealed class CellComparer : IEqualityComparer<int[]>
    {
        public static readonly CellComparer Instance = new();

        public bool Equals(int[]? a, int[]? b) => a.AsSpan().SequenceEqual(b);

        public int GetHashCode(int[] cell)
        {
            var h = new HashCode();
            foreach (int c in cell) h.Add(c);
            return h.ToHashCode();
        }
    }
}
