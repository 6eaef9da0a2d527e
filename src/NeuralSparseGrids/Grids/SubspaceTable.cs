namespace NeuralSparseGrids.Grids;

/// <summary>
/// Per-grid lookup tables for the fast evaluator: for every (subspace, dimension) the slot of its one-dimensional level
/// in a per-sample table of active functions, plus strides, offsets, and whether the subspace has a global level
/// (more than one active function per sample).
/// </summary>
internal sealed class SubspaceTable
{
    public SubspaceTable(SparseGrid grid)
    {
        Dim = grid.Dim;
        Type = grid.Type;
        MinLevel = Basis1D.MinLevel(grid.Type);
        LevelsPerDim = grid.MaxLevel1D - MinLevel + 1;
        Subspaces = grid.SubspaceCount;
        if (grid.PointCount > int.MaxValue) throw new GridTooLargeException(grid.Dim, grid.Level, grid.Type, grid.PointCount, grid.PointCount * 8.0, int.MaxValue);
        Points = (int)grid.PointCount;
        Slots = new int[Subspaces * Dim];
        SlotsTimesMaxActive = new int[Subspaces * Dim];
        Strides = grid.SubspaceStrides.ToArray();
        Offsets = new int[Subspaces];
        Multi = new bool[Subspaces];
        var levels = grid.SubspaceLevels;
        for (int s = 0; s < Subspaces; s++)
        {
            Offsets[s] = (int)grid.SubspaceOffsets[s];
            for (int j = 0; j < Dim; j++)
            {
                int l = levels[s * Dim + j];
                Slots[s * Dim + j] = j * LevelsPerDim + (l - MinLevel);
                SlotsTimesMaxActive[s * Dim + j] = Slots[s * Dim + j] * Basis1D.MaxActive;
                if (Basis1D.IsGlobalLevel(Type, l)) Multi[s] = true;
            }
        }
    }

    public int Dim { get; }
    public GridType Type { get; }
    public int MinLevel { get; }
    public int LevelsPerDim { get; }
    public int Subspaces { get; }
    public int Points { get; }

    /// <summary>(subspaces, dim): j * LevelsPerDim + (l_j - MinLevel).</summary>
    public int[] Slots { get; }

    /// <summary>(subspaces, dim): Slots * Basis1D.MaxActive, the first entry of the slot in the active tables.</summary>
    public int[] SlotsTimesMaxActive { get; }

    /// <summary>(subspaces, dim) strides of the local positions.</summary>
    public int[] Strides { get; }

    /// <summary>First point of each subspace.</summary>
    public int[] Offsets { get; }

    /// <summary>True when some level of the subspace is global (several active functions per sample).</summary>
    public bool[] Multi { get; }
}
