namespace NeuralSparseGrids.Analysis;

/// <summary>
/// Collects <see cref="EmbeddingSnapshot"/>s during training, keeping at most <see cref="MaxPointsPerSnapshot"/>
/// embeddings each. The subsample is a seeded uniform choice without replacement, kept in ascending index order, and
/// the same for every snapshot with the same number of embeddings, so plots follow the same points over epochs.
/// </summary>
public sealed class EmbeddingSnapshots
{
    private readonly List<EmbeddingSnapshot> _snapshots = new();
    private readonly Dictionary<int, int[]> _subsets = new();

    /// <summary>Creates an empty collector.</summary>
    /// <param name="maxPointsPerSnapshot">Cap on the embeddings stored per snapshot (&gt;= 1).</param>
    /// <param name="seed">Seed of the subsample.</param>
    public EmbeddingSnapshots(int maxPointsPerSnapshot = 2000, int seed = 0)
    {
        if (maxPointsPerSnapshot < 1) throw new ArgumentOutOfRangeException(nameof(maxPointsPerSnapshot), maxPointsPerSnapshot, "Keep at least one point per snapshot.");
        MaxPointsPerSnapshot = maxPointsPerSnapshot;
        Seed = seed;
    }

    /// <summary>Cap on stored embeddings per snapshot.</summary>
    public int MaxPointsPerSnapshot { get; }

    /// <summary>Seed of the subsample.</summary>
    public int Seed { get; }

    /// <summary>The snapshots in the order they were added.</summary>
    public IReadOnlyList<EmbeddingSnapshot> Snapshots => _snapshots;

    /// <summary>
    /// Records <paramref name="n"/> embeddings, row-major (n, d), with optional class labels or targets (length n),
    /// subsampled to the cap. The arrays are copied.
    /// </summary>
    public EmbeddingSnapshot Add(string label, ReadOnlySpan<float> embeddings, int n, int d, int[]? classLabels = null, double[]? targets = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        EmbeddingArrays.CheckShape(embeddings.Length, n, d, nameof(embeddings));
        if (classLabels != null && classLabels.Length != n)
            throw new ArgumentException($"There are {classLabels.Length} class labels for {n} embeddings.", nameof(classLabels));
        if (targets != null && targets.Length != n)
            throw new ArgumentException($"There are {targets.Length} targets for {n} embeddings.", nameof(targets));
        if (_snapshots.Count > 0 && _snapshots[0].Dim != d)
            throw new ArgumentException($"Earlier snapshots have dimension {_snapshots[0].Dim}; got {d}.", nameof(d));

        var keep = Subset(n);
        var h = new float[keep.Length * d];
        for (int i = 0; i < keep.Length; i++) embeddings.Slice(keep[i] * d, d).CopyTo(h.AsSpan(i * d, d));
        var snapshot = new EmbeddingSnapshot(label, d, h,
            classLabels is null ? null : keep.Select(i => classLabels[i]).ToArray(),
            targets is null ? null : keep.Select(i => targets[i]).ToArray(), n);
        _snapshots.Add(snapshot);
        return snapshot;
    }

    private int[] Subset(int n)
    {
        if (n <= MaxPointsPerSnapshot) return Enumerable.Range(0, n).ToArray();
        if (_subsets.TryGetValue(n, out var cached)) return cached;
        var rng = new Random(Seed);
        var all = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < MaxPointsPerSnapshot; i++)
        {
            int j = rng.Next(i, n);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var subset = all[..MaxPointsPerSnapshot];
        Array.Sort(subset);
        _subsets[n] = subset;
        return subset;
    }
}
