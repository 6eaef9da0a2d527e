using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// Flat per-subspace tables of a sparse grid for the kernels: for subspace s and dimension j, the slot
/// j * L + (l_sj - MinLevel) of the one-dimensional level in a per-sample table of L levels, the stride of the
/// local position, and the first point of the subspace.
/// </summary>
internal sealed class GridTables
{
    public GridTables(SparseGrid grid)
    {
        Grid = grid;
        Dim = grid.Dim;
        Type = grid.Type;
        Subspaces = grid.SubspaceCount;
        MinLevel = Basis1D.MinLevel(grid.Type);
        LevelCount = grid.MaxLevel1D - MinLevel + 1;
        Points = checked((int)grid.PointCount);
        HatOnly = grid.Type is GridType.Linear or GridType.ModifiedLinear;
        Slots = new int[Subspaces * Dim];
        Strides = grid.SubspaceStrides.ToArray();
        Offsets = new int[Subspaces + 1];
        var levels = grid.SubspaceLevels;
        for (int s = 0; s < Subspaces; s++)
        {
            for (int j = 0; j < Dim; j++) Slots[s * Dim + j] = j * LevelCount + levels[s * Dim + j] - MinLevel;
            Offsets[s] = checked((int)grid.SubspaceOffsets[s]);
        }
        Offsets[Subspaces] = Points;

        // Visiting order for the hat kernels: lexicographic in (l_{d-1}, ..., l_0), so consecutive subspaces share
        // their trailing levels, and with them the partial point index (strides depend on later dims only) and the
        // partial product of the trailing one-dimensional values.
        var lv = grid.SubspaceLevels.ToArray();
        Order = Enumerable.Range(0, Subspaces).ToArray();
        Array.Sort(Order, (a, b) =>
        {
            for (int j = Dim - 1; j >= 0; j--)
            {
                int c = lv[a * Dim + j].CompareTo(lv[b * Dim + j]);
                if (c != 0) return c;
            }
            return 0;
        });
        SharedTrailing = new int[Subspaces];
        for (int i = 1; i < Subspaces; i++)
        {
            int k = 0;
            while (k < Dim && lv[Order[i] * Dim + Dim - 1 - k] == lv[Order[i - 1] * Dim + Dim - 1 - k]) k++;
            SharedTrailing[i] = k;
        }
    }

    /// <summary>Subspaces in visiting order (lexicographic in the reversed level vector).</summary>
    public int[] Order { get; }

    /// <summary>For position i of <see cref="Order"/>: how many trailing dimensions share their level with position i - 1.</summary>
    public int[] SharedTrailing { get; }

    public SparseGrid Grid { get; }
    public int Dim { get; }
    public GridType Type { get; }
    public int Subspaces { get; }
    public int MinLevel { get; }

    /// <summary>Number of one-dimensional levels L = MaxLevel1D - MinLevel + 1.</summary>
    public int LevelCount { get; }

    public int Points { get; }

    /// <summary>True if every one-dimensional level has exactly one active function at every x.</summary>
    public bool HatOnly { get; }

    /// <summary>(subspaces, dim): j * L + l - MinLevel.</summary>
    public int[] Slots { get; }

    /// <summary>(subspaces, dim): stride of the local position k_j in the point numbering.</summary>
    public int[] Strides { get; }

    /// <summary>(subspaces + 1): first point of each subspace.</summary>
    public int[] Offsets { get; }
}
