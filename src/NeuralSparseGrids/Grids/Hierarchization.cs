using System.Numerics;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Hierarchization (nodal values at the grid points -> hierarchical surpluses alpha) and its inverse, by the
/// unidirectional principle: one-dimensional (de)hierarchization along every pole of every dimension in turn.
/// Cost O(G * d * L) for G points and L one-dimensional levels. Works for all <see cref="GridType"/>s; the global
/// boundary functions (level 0 of V^0B, 1 - x and x of level 1 of V^B(1)) are handled before the hats they overlap.
/// </summary>
/// <remarks>
/// After <see cref="Hierarchize{T}"/>, <see cref="SparseGridEvaluator.Evaluate{T}"/> with the surpluses returns the
/// nodal values at every grid point (interpolation). Point order is that of <see cref="SparseGrid"/>.
/// </remarks>
public static class Hierarchization
{
    /// <summary>Turns nodal values into hierarchical surpluses, in place.</summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="values">Nodal values u(x_p), (points, outputs) row-major; overwritten with the surpluses alpha.</param>
    public static void Hierarchize<T>(SparseGrid grid, T[] values) where T : unmanaged, IFloatingPoint<T> =>
        Apply(grid, values, hierarchize: true);

    /// <summary>Turns hierarchical surpluses into nodal values, in place (inverse of <see cref="Hierarchize{T}"/>).</summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="values">Surpluses alpha, (points, outputs) row-major; overwritten with the nodal values u(x_p).</param>
    public static void Dehierarchize<T>(SparseGrid grid, T[] values) where T : unmanaged, IFloatingPoint<T> =>
        Apply(grid, values, hierarchize: false);

    private static void Apply<T>(SparseGrid grid, T[] values, bool hierarchize) where T : unmanaged, IFloatingPoint<T>
    {
        ArgumentNullException.ThrowIfNull(grid);
        int points = checked((int)grid.PointCount);
        if (values.Length == 0 || values.Length % points != 0)
            throw new ArgumentException($"values must be (points = {points}, outputs) row-major, got length {values.Length}.", nameof(values));
        int outputs = values.Length / points;
        if (!grid.IsDownwardClosed)
            throw new ArgumentException("Hierarchization needs a downward-closed set of subspaces (with l every l - e_j, l_j > MinLevel); this grid is not.", nameof(grid));
        // Spatially adaptive grids are ancestor closed by construction (SparseGrid.FromPointSets), which is what the
        // one-dimensional pole stencils need: a present point's stencil reads only its (present) ancestors.
        int d = grid.Dim, min = Basis1D.MinLevel(grid.Type);
        EnsureStencilsFit(grid, outputs);
        var up = UpNeighbours(grid);
        var levels = grid.SubspaceLevels.ToArray();
        var strides = grid.SubspaceStrides.ToArray();
        var offsets = grid.SubspaceOffsets.ToArray();
        var stencils = new PoleStencil?[grid.MaxLevel1D - min + 2];
        var work = new double[values.Length];
        for (int i = 0; i < values.Length; i++) work[i] = double.CreateTruncating(values[i]);

        for (int j = 0; j < d; j++)
        {
            var roots = Enumerable.Range(0, grid.SubspaceCount).Where(s => levels[s * d + j] == min).ToArray();
            int dim = j;
            Parallel.ForEach(roots, () => (chain: new List<int>(), k: new int[d], limits: new int[d]), (root, _, local) =>
            {
                var chain = local.chain;
                chain.Clear();
                for (int s = root; s >= 0; s = up[s * d + dim]) chain.Add(s);
                PoleStencil stencil;
                lock (stencils) stencil = stencils[chain.Count] ??= new PoleStencil(grid.Type, chain.Count);
                var pole = new double[stencil.Length * outputs];
                var index = new int[stencil.Length];
                var k = local.k;
                Array.Clear(k);
                // The pole's other coordinates run over the root's local positions; k[dim] stays 0 (limit 1).
                var limits = local.limits;
                for (int i = 0; i < d; i++) limits[i] = i == dim ? 1 : Basis1D.Count(grid.Type, levels[root * d + i]);
                while (true)
                {
                    // The pole through the other dimensions' local positions k (k[dim] unused).
                    for (int t = 0; t < chain.Count; t++)
                    {
                        int s = chain[t];
                        bool partial = grid.IsPartial(s);
                        int rest = partial ? 0 : (int)offsets[s];
                        for (int i = 0; i < d; i++) if (i != dim) rest += k[i] * strides[s * d + i];
                        int count = Basis1D.Count(grid.Type, min + t);
                        for (int q = 0; q < count; q++)
                        {
                            int at = rest + q * strides[s * d + dim];
                            index[stencil.LevelStart[t] + q] = partial ? grid.PointRow(s, at) : at;
                        }
                    }
                    // Absent points (-1, partial subspaces) enter as zeros and are not written back: with every
                    // ancestor present, no present point of the pole reads them.
                    for (int p = 0; p < index.Length; p++)
                        if (index[p] >= 0) Array.Copy(work, index[p] * outputs, pole, p * outputs, outputs);
                        else Array.Clear(pole, p * outputs, outputs);
                    if (hierarchize) stencil.Hierarchize(pole, outputs); else stencil.Dehierarchize(pole, outputs);
                    for (int p = 0; p < index.Length; p++)
                        if (index[p] >= 0) Array.Copy(pole, p * outputs, work, index[p] * outputs, outputs);
                    if (!Odometer.Next(k, limits)) break;
                }
                return local;
            }, _ => { });
        }
        for (int i = 0; i < values.Length; i++) values[i] = T.CreateTruncating(work[i]);
    }

    // The longest pole (the one-dimensional grid of level MaxLevel1D) keeps about one stencil entry (12 bytes) per
    // coarser level per point; together with the working copy of the values this must fit the default budget.
    private static void EnsureStencilsFit(SparseGrid grid, int outputs)
    {
        int levels = grid.MaxLevel1D - Basis1D.MinLevel(grid.Type) + 1;
        double poleLength = Math.Pow(2, grid.MaxLevel1D) + 1;
        double bytes = poleLength * (levels + 1) * 12.0 + grid.PointCount * (double)outputs * 8;
        if (bytes > GridSize.DefaultMaxBytes)
            throw new GridTooLargeException(grid.Dim, grid.Level, grid.Type, grid.PointCount, bytes, GridSize.DefaultMaxBytes);
    }

    // up[s * d + j]: the subspace with l_j + 1 and the other levels of s, or -1 when it is not in the grid.
    private static int[] UpNeighbours(SparseGrid grid)
    {
        int d = grid.Dim;
        var levels = grid.SubspaceLevels;
        var map = new Dictionary<string, int>(grid.SubspaceCount);
        for (int s = 0; s < grid.SubspaceCount; s++) map[Key(levels.Slice(s * d, d))] = s;
        var up = new int[grid.SubspaceCount * d];
        var probe = new int[d];
        for (int s = 0; s < grid.SubspaceCount; s++)
            for (int j = 0; j < d; j++)
            {
                levels.Slice(s * d, d).CopyTo(probe);
                probe[j]++;
                up[s * d + j] = map.TryGetValue(Key(probe), out int u) ? u : -1;
            }
        return up;
    }

    private static string Key(ReadOnlySpan<int> levels) => string.Join(',', levels.ToArray());
}
