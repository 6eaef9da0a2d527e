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
        HasMulti = Multi.Any(m => m);
        if (!HasMulti) BuildTrie();
    }

    // Prefix tree over the level vectors read from the last dimension to the first (so that the stride of dimension j,
    // prod_{i > j} Count(l_i), is fixed by the path above it), stored in preorder. Value and transpose evaluation walk
    // it once per sample, sharing partial index offsets and weight products between subspaces with equal suffixes:
    // about one node per subspace instead of d multiplications.
    private void BuildTrie()
    {
        var order = Enumerable.Range(0, Subspaces).ToArray();
        Array.Sort(order, (a, b) =>
        {
            for (int j = Dim - 1; j >= 0; j--)
            {
                int c = Slots[a * Dim + j].CompareTo(Slots[b * Dim + j]);
                if (c != 0) return c;
            }
            return 0;
        });
        var depth = new List<int>();
        var slot = new List<int>();
        var stride = new List<int>();
        var offset = new List<int>();
        int previous = -1;
        foreach (int s in order)
        {
            int t = 0;
            if (previous >= 0)
                while (t < Dim && Slots[previous * Dim + (Dim - 1 - t)] == Slots[s * Dim + (Dim - 1 - t)]) t++;
            for (; t < Dim; t++)
            {
                int j = Dim - 1 - t;
                depth.Add(t);
                slot.Add(Slots[s * Dim + j] * Basis1D.MaxActive);
                stride.Add(Strides[s * Dim + j]);
                offset.Add(t == Dim - 1 ? Offsets[s] : 0);
            }
            previous = s;
        }
        TrieDepth = depth.ToArray();
        TrieSlot = slot.ToArray();
        TrieStride = stride.ToArray();
        TrieOffset = offset.ToArray();
    }

    /// <summary>True when some subspace has a global level (then the trie is not built).</summary>
    public bool HasMulti { get; }

    /// <summary>Preorder trie nodes: depth t (dimension d - 1 - t); empty when <see cref="HasMulti"/>.</summary>
    public int[] TrieDepth { get; private set; } = [];

    /// <summary>Preorder trie nodes: slot * MaxActive of the node's level in its dimension.</summary>
    public int[] TrieSlot { get; private set; } = [];

    /// <summary>Preorder trie nodes: stride of the node's dimension.</summary>
    public int[] TrieStride { get; private set; } = [];

    /// <summary>Preorder trie nodes: subspace offset at leaves (depth d - 1), else 0.</summary>
    public int[] TrieOffset { get; private set; } = [];

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
