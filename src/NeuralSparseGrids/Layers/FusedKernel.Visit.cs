using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// Receives the terms <see cref="FusedKernel{T}.VisitTerms"/> builds: per term of a subspace, for every sample b the
/// point index of its active basis function and that function's value at the sample (0 outside its support).
/// </summary>
internal interface ITermVisitor<T>
{
    /// <summary>
    /// One term of subspace <paramref name="subspace"/> (hat subspaces have one, subspaces with global boundary levels
    /// one per combination of their active functions): <paramref name="points"/>[b] and <paramref name="values"/>[b]
    /// for the n samples. The spans are the kernel's scratch: valid during the call only.
    /// </summary>
    void Term(int subspace, ReadOnlySpan<int> points, ReadOnlySpan<T> values);
}

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// Hands <paramref name="visitor"/> the terms of the given subspaces (any subset of the grid, in the given order)
    /// at the n samples h (n, d) row-major, with the forward pass's own tables and term builder: the basis values a
    /// caller sees are the ones the layer multiplies coefficients with. For
    /// scores that need the active points of a few subspaces (refinement indicators) without a coefficient matrix
    /// or the whole grid. h must lie in [0, 1]^d (clamp first, as the layer does with <c>Clamp</c>). Serial over the
    /// subspaces, vectorised over the samples; O(n d L) for the tables plus O(n d) per term.
    /// </summary>
    public static void VisitTerms<TVisitor>(SparseGrid t, nint h, int n, ReadOnlySpan<int> subspaces, TVisitor visitor)
        where TVisitor : ITermVisitor<T>
    {
        ArgumentNullException.ThrowIfNull(t);
        if (n == 0 || subspaces.IsEmpty) return;
        // Only the (dimension, level) rows these subspaces use: a few subspaces of a deep grid need few of them.
        var needed = new bool[t.Dim * t.LevelCount];
        foreach (int s in subspaces)
        {
            if ((uint)s >= (uint)t.SubspaceCount) throw new ArgumentOutOfRangeException(nameof(subspaces), s, $"The grid has {t.SubspaceCount} subspaces.");
            for (int j = 0; j < t.Dim; j++) needed[t.LevelEntries[s * t.Dim + j]] = true;
        }
        using var table = new SampleActiveFunctions(t, h, n, needed, derivatives: false);
        using var wk = new Worker(t.Dim, n, 0);
        foreach (int s in subspaces)
        {
            var term = new VisitedTerm<TVisitor>(visitor, s);
            ForEachTerm(t, table, s, 0, wk, ref term);
        }
    }

    /// <summary>Passes a term's point indices and weights (depth d of the partial products) to the visitor.</summary>
    private readonly struct VisitedTerm<TVisitor>(TVisitor visitor, int subspace) : ITermRows where TVisitor : ITermVisitor<T>
    {
        public void Run(SparseGrid t, SampleActiveFunctions table, Worker wk) =>
            visitor.Term(subspace, new ReadOnlySpan<int>(wk.TermIndex, table.N), new ReadOnlySpan<T>(wk.TermWeight, table.N));

        /// <summary>Nothing: visiting computes no gradient.</summary>
        public void Keep(SparseGrid t, SampleActiveFunctions table, Worker wk, int depth) { }
    }
}
