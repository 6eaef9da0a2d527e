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
    }

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
