using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Analysis;

/// <summary>
/// Counts the grid points whose basis functions are activated by embeddings: phi_j is activated if phi_j(h) &gt; 0 for
/// at least one embedding h (thesis Sec. 3.5.2, Tables 3.13/3.14). Points that no embedding activates receive no
/// gradient and do not contribute to the model's output.
/// </summary>
/// <remarks>
/// Uses <see cref="Basis1D.Active"/>: per embedding and subspace only the one (boundary levels: two or three)
/// one-dimensional functions per dimension that can be non-zero are visited, so the cost is O(n S d) for S subspaces
/// instead of O(n G d) over all G points. "Non-zero" is strict (&gt; 0), exactly as <see cref="SparseGrid.BasisValue"/>:
/// a hat is zero at its support boundary, so an embedding exactly on a cell edge does not activate that hat.
/// Embeddings must lie in [0, 1]^d (the sparse grid's domain); anything else (or NaN) is rejected.
/// </remarks>
public static class ActivatedPoints
{
    private const int Chunk = 2048;

    /// <summary>Activated points of <paramref name="grid"/> for <paramref name="n"/> embeddings, row-major (n, grid.Dim) in [0, 1].</summary>
    public static ActivatedPointsResult Count(SparseGrid grid, ReadOnlySpan<double> embeddings, int n)
    {
        ArgumentNullException.ThrowIfNull(grid);
        int d = grid.Dim;
        EmbeddingArrays.CheckShape(embeddings.Length, n, d, nameof(embeddings));
        for (int i = 0; i < embeddings.Length; i++)
        {
            double v = embeddings[i];
            if (!(v >= 0 && v <= 1))
                throw new ArgumentOutOfRangeException(nameof(embeddings), v, $"Embedding {i / d}, dimension {i % d} is {v}; the sparse grid's domain is [0, 1]^d (rescale first).");
        }
        if (grid.PointCount > Array.MaxLength) throw new ArgumentException($"The grid has {grid.PointCount} points, too many for a mask.", nameof(grid));

        var mask = new bool[grid.PointCount];
        var remaining = new long[grid.SubspaceCount];
        for (int s = 0; s < grid.SubspaceCount; s++) remaining[s] = grid.SubspaceOffsets[s + 1] - grid.SubspaceOffsets[s];

        int min = Basis1D.MinLevel(grid.Type);
        int levels = grid.MaxLevel1D - min + 1;
        var copy = embeddings.ToArray();
        // Per chunk of embeddings: the active 1-D functions of every (sample, dim, level), at most MaxActive each.
        int m = Basis1D.MaxActive;
        var counts = new byte[Chunk * d * levels];
        var positions = new int[Chunk * d * levels * m];
        for (int start = 0; start < n; start += Chunk)
        {
            int len = Math.Min(Chunk, n - start);
            FillActiveTable(grid.Type, copy, start, len, d, min, levels, counts, positions);
            // Subspaces own disjoint ranges of the mask, so they can be processed in parallel without locks.
            Parallel.For(0, grid.SubspaceCount, s => MarkSubspace(grid, s, len, d, min, levels, counts, positions, mask, remaining));
        }

        long activated = 0;
        foreach (bool b in mask) if (b) activated++;
        return new ActivatedPointsResult(activated, grid.PointCount, grid.PointCount == 0 ? 0 : activated / (double)grid.PointCount, mask);
    }

    /// <summary>Activated points for float embeddings, row-major (n, grid.Dim) in [0, 1].</summary>
    public static ActivatedPointsResult Count(SparseGrid grid, ReadOnlySpan<float> embeddings, int n) =>
        Count(grid, EmbeddingArrays.ToDouble(embeddings), n);

    private static void FillActiveTable(GridType type, double[] x, int start, int len, int d, int min, int levels, byte[] counts, int[] positions)
    {
        Span<int> pos = stackalloc int[Basis1D.MaxActive];
        Span<double> val = stackalloc double[Basis1D.MaxActive];
        Span<double> der = stackalloc double[Basis1D.MaxActive];
        for (int i = 0; i < len; i++)
            for (int j = 0; j < d; j++)
            {
                double xj = x[(long)(start + i) * d + j];
                for (int li = 0; li < levels; li++)
                {
                    int cell = (i * d + j) * levels + li;
                    int k = Basis1D.Active(type, min + li, xj, pos, val, der);
                    int c = 0;
                    for (int a = 0; a < k; a++)
                        if (val[a] > 0) positions[cell * Basis1D.MaxActive + c++] = pos[a];
                    counts[cell] = (byte)c;
                }
            }
    }

    private static void MarkSubspace(SparseGrid grid, int s, int len, int d, int min, int levels, byte[] counts, int[] positions, bool[] mask, long[] remaining)
    {
        if (remaining[s] == 0) return;
        long offset = grid.SubspaceOffsets[s];
        bool partial = grid.IsPartial(s);
        var levelsOf = grid.SubspaceLevels.Slice(s * d, d);
        var strides = grid.SubspaceStrides.Slice(s * d, d);
        Span<int> cells = stackalloc int[d];
        Span<int> odometer = stackalloc int[d];
        for (int i = 0; i < len && remaining[s] > 0; i++)
        {
            bool any = true;
            for (int j = 0; j < d; j++)
            {
                cells[j] = (i * d + j) * levels + (levelsOf[j] - min);
                if (counts[cells[j]] == 0) { any = false; break; }
            }
            if (!any) continue;
            // Every combination of the non-zero 1-D functions is a non-zero d-dimensional basis function.
            odometer.Clear();
            while (true)
            {
                long point = partial ? 0 : offset;
                for (int j = 0; j < d; j++) point += (long)positions[cells[j] * Basis1D.MaxActive + odometer[j]] * strides[j];
                if (partial) point = grid.PointRow(s, (int)point);   // -1: absent (spatially adaptive grid)
                if (point >= 0 && !mask[point]) { mask[point] = true; remaining[s]--; }
                int t = d - 1;
                while (t >= 0 && ++odometer[t] == counts[cells[t]]) odometer[t--] = 0;
                if (t < 0) break;
            }
        }
    }
}
