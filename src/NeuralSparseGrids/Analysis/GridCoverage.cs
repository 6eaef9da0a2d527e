using NeuralSparseGrids.Grids;
using NeuralSparseGrids.IO;

namespace NeuralSparseGrids.Analysis;

/// <summary>
/// Which grid points the training embeddings activated, kept with a trained model so predictions can say whether a
/// sample's embedding reaches basis functions that training never touched. There the layer's value rests on
/// coefficients no data constrained (thesis Fig. 3.6: "the part other than [0.5, 0.55]^2 looks chaotic").
/// </summary>
public sealed class GridCoverage
{
    private readonly bool[] _activated;

    /// <summary>Wraps an activation mask of length <see cref="SparseGrid.PointCount"/>.</summary>
    public GridCoverage(SparseGrid grid, bool[] activated)
    {
        if (activated.LongLength != grid.PointCount)
            throw new ArgumentException($"The mask has {activated.LongLength} entries but the grid has {grid.PointCount} points.");
        Grid = grid;
        _activated = activated;
    }

    /// <summary>Coverage of the training embeddings (n, dim) row-major in [0, 1].</summary>
    public static GridCoverage FromEmbeddings(SparseGrid grid, ReadOnlySpan<double> embeddings, int n) =>
        new(grid, ActivatedPoints.Count(grid, embeddings, n).Mask);

    /// <summary>The grid.</summary>
    public SparseGrid Grid { get; }

    /// <summary>Number of activated points.</summary>
    public long ActivatedCount => _activated.LongCount(a => a);

    /// <summary>A copy of the activation mask, one entry per grid point in the grid's point order.</summary>
    public bool[] Mask => (bool[])_activated.Clone();

    /// <summary>
    /// For each of <paramref name="n"/> embeddings (n, dim) row-major: true if every basis function that is non-zero
    /// there was activated by the training embeddings. Values outside [0, 1] are clamped (as the layer's clamp option).
    /// </summary>
    public bool[] Covered(ReadOnlySpan<double> embeddings, int n)
    {
        int d = Grid.Dim;
        EmbeddingArrays.CheckShape(embeddings.Length, n, d, nameof(embeddings));
        var result = new bool[n];
        var x = embeddings.ToArray();
        Parallel.For(0, n, i => result[i] = IsCovered(x.AsSpan(i * d, d)));
        return result;
    }

    private bool IsCovered(ReadOnlySpan<double> x)
    {
        int d = Grid.Dim, min = Basis1D.MinLevel(Grid.Type), levels = Grid.MaxLevel1D - min + 1, m = Basis1D.MaxActive;
        // Active 1-D functions with a positive value, per (dim, level).
        Span<int> counts = stackalloc int[d * levels];
        Span<int> positions = stackalloc int[d * levels * m];
        Span<int> pos = stackalloc int[m];
        Span<double> val = stackalloc double[m];
        Span<double> der = stackalloc double[m];
        for (int j = 0; j < d; j++)
            for (int li = 0; li < levels; li++)
            {
                int k = Basis1D.Active(Grid.Type, min + li, x[j], pos, val, der), c = 0;
                for (int a = 0; a < k; a++) if (val[a] > 0) positions[(j * levels + li) * m + c++] = pos[a];
                counts[j * levels + li] = c;
            }
        Span<int> choice = stackalloc int[d];
        var levelsTable = Grid.SubspaceLevels;
        var strides = Grid.SubspaceStrides;
        for (int s = 0; s < Grid.SubspaceCount; s++)
        {
            // Enumerate the tensor product of the active functions of this subspace's levels (usually one).
            bool empty = false;
            for (int j = 0; j < d; j++) { choice[j] = 0; if (counts[j * levels + levelsTable[s * d + j] - min] == 0) empty = true; }
            if (empty) continue;
            while (true)
            {
                bool partial = Grid.IsPartial(s);
                long point = partial ? 0 : Grid.SubspaceOffsets[s];
                for (int j = 0; j < d; j++)
                    point += (long)positions[(j * levels + levelsTable[s * d + j] - min) * m + choice[j]] * strides[s * d + j];
                if (partial) point = Grid.PointRow(s, (int)point);   // -1: absent, nothing to activate
                if (point >= 0 && !_activated[point]) return false;
                int jj = d - 1;
                while (jj >= 0 && ++choice[jj] == counts[jj * levels + levelsTable[s * d + jj] - min]) { choice[jj] = 0; jj--; }
                if (jj < 0) break;
            }
        }
        return true;
    }

    /// <summary>Writes the mask as a file of bytes 0/1 (atomically).</summary>
    public void Save(string path) => AtomicFile.Write(path, temp => File.WriteAllBytes(temp, Array.ConvertAll(_activated, a => a ? (byte)1 : (byte)0)));

    /// <summary>Reads a mask written by <see cref="Save"/>.</summary>
    public static GridCoverage Load(SparseGrid grid, string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.LongLength != grid.PointCount)
            throw new InvalidDataException($"{path} has {bytes.Length} entries but the model's grid has {grid.PointCount} points.");
        return new GridCoverage(grid, Array.ConvertAll(bytes, b => b != 0));
    }
}
