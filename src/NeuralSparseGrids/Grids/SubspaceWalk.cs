namespace NeuralSparseGrids.Grids;

/// <summary>
/// What the CPU evaluator (<see cref="SparseGridEvaluator"/>) walks per sample, derived once per grid from
/// <see cref="SparseGrid"/>: every subspace's level entries pre-multiplied by <see cref="ActiveFunctions.Width"/>,
/// and for grids without global levels the subspaces as a prefix tree in <see cref="SparseGrid.VisitOrder"/>: read
/// from the last dimension to the first, a subspace shares the nodes of its <see cref="SparseGrid.SharedTrailingLevels"/>
/// trailing levels with the subspace visited before, so value and transpose evaluation share partial point indices
/// and weight products (about one node per subspace instead of d multiplications).
/// </summary>
internal sealed class SubspaceWalk
{
    public SubspaceWalk(SparseGrid grid)
    {
        Grid = grid;
        int d = grid.Dim;
        EntryStarts = Array.ConvertAll(grid.LevelEntries, e => e * ActiveFunctions.Width);
        if (grid.HasGlobalLevels) return;
        var order = grid.VisitOrder;
        var shared = grid.SharedTrailingLevels;
        var depth = new List<int>();
        var entry = new List<int>();
        var stride = new List<int>();
        var offset = new List<int>();
        var offsets = grid.PointOffsets;
        for (int i = 0; i < order.Length; i++)
        {
            int s = order[i];
            for (int t = shared[i]; t < d; t++)
            {
                int j = d - 1 - t;
                depth.Add(t);
                entry.Add(EntryStarts[s * d + j]);
                stride.Add(grid.Strides[s * d + j]);
                offset.Add(t < d - 1 ? 0 : grid.IsPartial(s) ? -(s + 1) : offsets[s]);
            }
        }
        NodeDepth = depth.ToArray();
        NodeEntry = entry.ToArray();
        NodeStride = stride.ToArray();
        NodeOffset = offset.ToArray();
    }

    public SparseGrid Grid { get; }

    /// <summary>(subspaces, dim): <see cref="SparseGrid.LevelEntries"/> * Width, the first slot of the entry in <see cref="ActiveFunctions"/>.</summary>
    public int[] EntryStarts { get; }

    /// <summary>Preorder prefix-tree nodes: depth t (dimension d - 1 - t); empty when the grid has global levels.</summary>
    public int[] NodeDepth { get; } = [];

    /// <summary>Preorder nodes: first slot of the node's (dimension, level) entry in <see cref="ActiveFunctions"/>.</summary>
    public int[] NodeEntry { get; } = [];

    /// <summary>Preorder nodes: stride of the node's dimension.</summary>
    public int[] NodeStride { get; } = [];

    /// <summary>Preorder nodes: subspace offset at leaves (depth d - 1), else 0; a partial subspace's leaf holds -(s + 1) (its rows come from <see cref="SparseGrid.PointRow"/>).</summary>
    public int[] NodeOffset { get; } = [];
}
