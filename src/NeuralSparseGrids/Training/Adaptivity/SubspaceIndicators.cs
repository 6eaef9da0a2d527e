using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The scores that decide which subspaces a dimension-adaptive grid gains (<see cref="RefinementIndicator"/>). All
/// are computed on a candidate grid C = current grid + candidate subspaces, whose coefficients are the current ones
/// carried over (zero on the candidates, so C's function is the model's). The surplus indicator reads only the
/// candidates' and their parents' active basis functions at the training embeddings, built by the fused kernel's own
/// term builder (<see cref="FusedKernel{T}.VisitTerms"/>) in float32: a ranking needs no more digits, and the
/// embeddings are float32 already.
/// </summary>
internal static class SubspaceIndicators
{
    // Rows per pass of the term builder. Small enough that its tables (d x levels x rows) stay in the L2 cache and in
    // the array pool's small buckets (a 4096-row chunk needed fresh multi-megabyte arrays whenever the grid gained a
    // level); large enough that the per-pass setup is noise.
    private const int Chunk = 512;

    /// <summary>
    /// Surplus indicator of each candidate subspace l (numbered from <paramref name="firstCandidate"/> in
    /// <paramref name="grid"/>): (1/N) sum_i phi_{q_i}(h_i) max_{j} ||alpha_{p_ij}||_inf, where q_i is the candidate's
    /// point whose support holds embedding h_i (its basis value there is the embedding's weight) and p_ij the point of
    /// the backward neighbour l - e_j active at h_i (the hierarchical parent of q_i in dimension j). So a candidate
    /// scores high where many embeddings lie under large parent surpluses: SG++'s surplus refinement (refine where
    /// |alpha| is large) weighted by the data mass in the candidate's support.
    /// </summary>
    /// <param name="grid">The candidate grid C.</param>
    /// <param name="firstCandidate">Subspaces from this number on are candidates; the ones before form the current grid.</param>
    /// <param name="surplusNorms">Per point of the current grid (C's first points): max over outputs of |alpha|.</param>
    /// <param name="embeddings">The training embeddings (N, d) row-major, in [0, 1]^d (<see cref="InBox"/>).</param>
    public static double[] Surplus(SparseGrid grid, int firstCandidate, double[] surplusNorms, float[] embeddings)
        => SurplusByDeposits(grid, firstCandidate, surplusNorms, embeddings) ?? SurplusByTerms(grid, firstCandidate, surplusNorms, embeddings);

    /// <summary><see cref="Surplus"/> from the term builder (every grid; the reference the deposits are tested against).</summary>
    internal static double[] SurplusByTerms(SparseGrid grid, int firstCandidate, double[] surplusNorms, float[] embeddings)
    {
        var parents = BackwardNeighbours(grid, firstCandidate);
        var visitor = new SurplusVisitor(grid.SubspaceCount, firstCandidate, surplusNorms, parents);
        // Parents first: a candidate's term reads its parents' active surpluses at the same samples.
        var order = visitor.Parents.Concat(Enumerable.Range(firstCandidate, grid.SubspaceCount - firstCandidate)).ToArray();
        int n = VisitInChunks(grid, embeddings, order, visitor, visitor.BeginChunk);
        return visitor.Sums.Select(v => v / Math.Max(1, n)).ToArray();
    }

    // Largest finest table the deposits may build (2 MiB of float64): beyond it the term visitor is used.
    private const double MaxDepositValues = 1 << 18;

    /// <summary>
    /// The finest resolution (per dimension the largest level of <paramref name="subspaces"/>) when
    /// <see cref="CellDeposits"/> can and should compute sums over them at <paramref name="count"/> samples: a
    /// Linear grid (hats only), few dimensions, and a finest table cheaper than the term visitor's work (a term per
    /// sample and subspace, each worth two table values); else null.
    /// </summary>
    /// <remarks>
    /// A table value costs about a visitor term or more: clearing, restricting along up to d chains of coarser
    /// tables, and on first use of a size fresh memory. The surplus indicator's visitor builds the candidate grid and
    /// visits parents and candidates, so a term is worth two values (with an eighth, a subspace refinement run's
    /// indicator went from 0.11-0.12 to 0.39-0.44 ms). (The data mass of point refinement, which only visits the grid,
    /// was computed from deposits too while they paid, a term worth an eighth of a value there; it is now gathered by
    /// the training step's backward pass or summed exactly from terms: see <see cref="DataMass"/>.)
    /// </remarks>
    private static int[]? DepositsPay(GridType type, int d, IReadOnlyList<int[]> subspaces, int count)
    {
        if (type != GridType.Linear || d > 6 || count == 0 || subspaces.Count == 0) return null;
        var finest = new int[d];
        foreach (var l in subspaces)
            for (int j = 0; j < d; j++) finest[j] = Math.Max(finest[j], l[j]);
        double values = CellDeposits.TableValues(finest);
        return values <= MaxDepositValues && values <= 2.0 * count * subspaces.Count ? finest : null;
    }

    // Surplus's fast path on the candidate grid: its candidates' level vectors (full subspaces only) against the grid itself.
    private static double[]? SurplusByDeposits(SparseGrid grid, int firstCandidate, double[] norms, float[] embeddings)
    {
        var candidates = new List<int[]>();
        for (int s = firstCandidate; s < grid.SubspaceCount; s++)
        {
            if (grid.IsPartial(s)) return null;
            candidates.Add(grid.SubspaceLevels.Slice(s * grid.Dim, grid.Dim).ToArray());
        }
        return SurplusByDeposits(grid, candidates, norms, embeddings);
    }

    /// <summary>
    /// <see cref="Surplus"/> of the (full) candidate subspaces <paramref name="candidates"/> of <paramref name="current"/>
    /// (admissible: every backward neighbour in it) without building the candidate grid, from <see cref="CellDeposits"/>:
    /// a candidate point's summed basis values are one entry of the table at the candidate's resolution (the node at its
    /// centre), and the point's support lies inside the support of one point of each parent l - e_j (local index i_j / 2
    /// in dimension j, the same in the others), so the parents' largest surplus norm is the same for all of its samples.
    /// Norms per point of <paramref name="current"/>. Null where the deposits do not pay (<see cref="DepositsPay"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double[]? SurplusByDeposits(SparseGrid current, IReadOnlyList<int[]> candidates, double[] norms, float[] embeddings)
    {
        int d = current.Dim, n = embeddings.Length / d;
        if (DepositsPay(current.Type, d, candidates, n) is not { } finest) return null;
        using var deposits = CellDeposits.TryCreate(embeddings, finest);
        if (deposits is null) return null;
        var strides = current.SubspaceStrides;
        var result = new double[candidates.Count];
        Span<int> local = stackalloc int[d];
        Span<int> pointsOf = stackalloc int[d];
        Span<int> nodeStrides = stackalloc int[d];
        Span<int> parentOf = stackalloc int[d];
        Span<int> probe = stackalloc int[d];
        for (int q = 0; q < candidates.Count; q++)
        {
            var levels = candidates[q];
            var table = deposits.Table(levels);
            CellDeposits.NodeStrides(levels, nodeStrides);
            int points = 1;
            for (int j = 0; j < d; j++)
            {
                pointsOf[j] = 1 << (levels[j] - 1);
                points <<= levels[j] - 1;
                levels.CopyTo(probe);
                probe[j]--;
                parentOf[j] = levels[j] > current.MinLevel ? current.FindSubspace(probe) : -1;
            }
            local.Clear();
            double sum = 0;
            for (int point = 0; point < points; point++)
            {
                // The point with local index i_j sits on node 2 i_j + 1 of its resolution.
                int node = 0;
                for (int j = 0; j < d; j++) node += (2 * local[j] + 1) * nodeStrides[j];
                double deposit = table[node];
                if (deposit != 0)
                {
                    float parent = 0;
                    for (int j = 0; j < d; j++)
                    {
                        if (parentOf[j] < 0) continue;
                        int row = current.PointRow(parentOf[j], ParentLocal(strides, parentOf[j], d, local, j));
                        if (row >= 0) parent = Math.Max(parent, (float)norms[row]);
                    }
                    sum += deposit * parent;
                }
                for (int j = d - 1; j >= 0 && ++local[j] == pointsOf[j]; j--) local[j] = 0;   // next point, row-major
            }
            result[q] = sum / n;
        }
        return result;
    }

    // Local index in parent subspace s (one level coarser in dimension j) of the point whose support holds the support
    // of the child point with local indices i: i_j / 2 in dimension j, i_m in the others.
    private static int ParentLocal(ReadOnlySpan<int> strides, int s, int d, ReadOnlySpan<int> i, int j)
    {
        int local = 0;
        for (int m = 0; m < d; m++) local += (m == j ? i[m] >> 1 : i[m]) * strides[s * d + m];
        return local;
    }

    /// <summary>
    /// Accumulates <see cref="Surplus"/> over the visited terms: a parent's term records, per sample, the largest
    /// surplus norm among its points active there; a candidate's term adds sum_b phi(h_b) x (largest of its parents'
    /// records at b).
    /// </summary>
    private sealed class SurplusVisitor : ITermVisitor<float>
    {
        private readonly int _firstCandidate;
        private readonly double[] _norms;
        private readonly int[][] _candidateParentSlots;
        private readonly int[] _slotOfParent;
        private readonly float[][] _active;   // per parent slot: (chunk rows) largest active surplus norm
        private int _rows;

        public SurplusVisitor(int subspaces, int firstCandidate, double[] norms, int[][] parents)
        {
            _firstCandidate = firstCandidate;
            _norms = norms;
            Parents = parents.SelectMany(p => p).Distinct().Order().ToArray();
            _slotOfParent = Enumerable.Repeat(-1, firstCandidate).ToArray();
            for (int k = 0; k < Parents.Length; k++) _slotOfParent[Parents[k]] = k;
            _candidateParentSlots = parents.Select(p => p.Select(k => _slotOfParent[k]).ToArray()).ToArray();
            _active = new float[Parents.Length][];
            Sums = new double[subspaces - firstCandidate];
        }

        /// <summary>The current subspaces that are a backward neighbour of some candidate, ascending.</summary>
        public int[] Parents { get; }

        /// <summary>Per candidate: the sum so far (not yet divided by N).</summary>
        public double[] Sums { get; }

        public void BeginChunk(int rows)
        {
            _rows = rows;
            for (int k = 0; k < _active.Length; k++)
            {
                if (_active[k] is null || _active[k].Length < rows) _active[k] = new float[rows];
                Array.Clear(_active[k], 0, rows);
            }
        }

        // Optimised at once: a training run calls it a handful of times, never enough to leave tier-0 code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Term(int subspace, ReadOnlySpan<int> points, ReadOnlySpan<float> values)
        {
            if (subspace < _firstCandidate)
            {
                var record = _active[_slotOfParent[subspace]];
                for (int b = 0; b < _rows; b++)
                    if (values[b] != 0) record[b] = Math.Max(record[b], (float)_norms[points[b]]);
                return;
            }
            var slots = _candidateParentSlots[subspace - _firstCandidate];
            double sum = 0;
            for (int b = 0; b < _rows; b++)
            {
                float v = values[b];
                if (v == 0) continue;
                float parent = 0;
                foreach (int k in slots) parent = Math.Max(parent, _active[k][b]);
                sum += (double)v * parent;
            }
            Sums[subspace - _firstCandidate] += sum;
        }
    }

    /// <summary>
    /// Gradient indicator of each candidate subspace: the Frobenius norm of d(loss)/d(C rows of the candidate) over
    /// the training split, at the model's current coefficients (zero on the candidates). For MSE it is the correlation
    /// of the residual with the candidate's basis functions: the greedy choice of the subspace that lowers the training
    /// loss fastest.
    /// </summary>
    public static double[] Gradient(NeuralSparseGrid model, SparseGrid grid, int firstCandidate, Tensor carried, TrainingSplit train, float[] embeddings)
    {
        var g = CoefficientGradient(model, grid, carried, train, embeddings);
        int outputs = model.Layer.Outputs;
        var result = new double[grid.SubspaceCount - firstCandidate];
        for (int s = firstCandidate; s < grid.SubspaceCount; s++)
        {
            double sum = 0;
            for (long k = grid.SubspaceOffsets[s] * outputs; k < grid.SubspaceOffsets[s + 1] * outputs; k++) sum += g[k] * g[k];
            result[s - firstCandidate] = Math.Sqrt(sum);
        }
        return result;
    }

    /// <summary>
    /// d(loss)/dC over the training split on <paramref name="grid"/> with coefficients <paramref name="carried"/>
    /// (points, outputs), row-major (points * outputs); embeddings (N, d) of the training split, row-major.
    /// </summary>
    public static double[] CoefficientGradient(NeuralSparseGrid model, SparseGrid grid, Tensor carried, TrainingSplit train, float[] rows)
    {
        using var scope = NewDisposeScope();
        var embeddings = tensor(rows, [train.Count, grid.Dim]);
        using var layer = new SparseGridLayer(grid, model.Layer.Outputs, model.Layer.Options with { Init = CoefficientInit.Zeros }) { Path = model.Layer.Path };
        using (no_grad()) layer.Coefficients.copy_(carried);
        layer.Coefficients.grad?.zero_();
        for (int start = 0; start < train.Count; start += Chunk)
        {
            using var inner = NewDisposeScope();
            int count = Math.Min(Chunk, train.Count - start);
            var output = layer.forward(embeddings.narrow(0, start, count));
            var loss = MethodSteps.TaskLoss(model, output, train.Y.narrow(0, start, count)) * (count / (double)train.Count);
            loss.backward();
        }
        return layer.Coefficients.grad!.to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>
    /// Per point of <paramref name="grid"/>: (1/N) sum_i phi_p(h_i), the training embeddings' mass in its support
    /// (0 exactly when no embedding activates p), from the same term builder as <see cref="Surplus"/> and summed
    /// exactly (<see cref="DataMass"/>, so it equals the mass the fused training step gathers, bit for bit);
    /// embeddings (N, d) row-major in the box.
    /// </summary>
    public static double[] Mass(SparseGrid grid, float[] embeddings) => Mass(MassUnits(grid, embeddings), embeddings.Length / grid.Dim);

    /// <summary>The mass per point from its summed <see cref="DataMass"/> units over <paramref name="samples"/> samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] Mass(long[] units, int samples)
    {
        var mass = new double[units.Length];
        for (int p = 0; p < mass.Length; p++) mass[p] = DataMass.Of(units[p], samples);
        return mass;
    }

    /// <summary>Per point: the <see cref="DataMass"/> units of its basis values at the embeddings (N, d), summed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long[] MassUnits(SparseGrid grid, float[] embeddings)
    {
        var visitor = new MassVisitor(grid.PointCount);
        VisitInChunks(grid, embeddings, Enumerable.Range(0, grid.SubspaceCount).ToArray(), visitor);
        return visitor.Units;
    }

    /// <summary>
    /// The embeddings (N, d) row-major clamped to [0, 1]^d, as the layer clamps its inputs (NaN stays NaN): the array
    /// itself when every value is in the box already (the rescaling's output always is, bar rounding), else a
    /// clamped copy. Callers only read it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] InBox(float[] embeddings)
    {
        int k = 0;
        while (k < embeddings.Length && !(embeddings[k] < 0 || embeddings[k] > 1)) k++;
        if (k == embeddings.Length) return embeddings;
        var result = (float[])embeddings.Clone();
        for (; k < result.Length; k++) result[k] = result[k] < 0 ? 0 : result[k] > 1 ? 1 : result[k];
        return result;
    }

    // Hands the visitor the given subspaces' terms at the embeddings (N, d) in the box, in chunks of Chunk rows
    // (beginChunk gets each chunk's row count first); returns N.
    private static unsafe int VisitInChunks<TVisitor>(SparseGrid grid, float[] embeddings, int[] subspaces, TVisitor visitor, Action<int>? beginChunk = null)
        where TVisitor : ITermVisitor<float>
    {
        int d = grid.Dim, n = embeddings.Length / d;
        fixed (float* data = embeddings)
        {
            for (int start = 0; start < n; start += Chunk)
            {
                int count = Math.Min(Chunk, n - start);
                beginChunk?.Invoke(count);
                FusedKernel<float>.VisitTerms(grid, (nint)(data + (long)start * d), count, subspaces, visitor);
            }
        }
        return n;
    }

    private sealed class MassVisitor(long points) : ITermVisitor<float>
    {
        // Eight spare slots after the points' sums take the zero terms (see Term).
        private const int Spare = 8;
        private readonly long[] _units = new long[points + Spare];

        /// <summary>Per point: the summed units of its basis values at the visited samples.</summary>
        public long[] Units => _units.AsSpan(0, (int)points).ToArray();

        // Absent points of partial subspaces come with value +0 and point index the subspace's first row, as do
        // samples on a support's edge. Adding them to that row would change no sum but chain every absent sample's
        // add on one address (each waiting for the one before: most samples of a deep grid's partial subspaces are
        // absent), and a branch would mispredict; so a zero term goes, branch-free, to one of the spare slots by
        // sample, eight independent chains that nothing reads.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Term(int subspace, ReadOnlySpan<int> points, ReadOnlySpan<float> values)
        {
            var units = _units;
            int spare = units.Length - Spare;
            for (int b = 0; b < points.Length; b++)
            {
                float v = values[b];
                units[v != 0 ? points[b] : spare + (b & (Spare - 1))] += DataMass.Units(v);
            }
        }
    }

    /// <summary>Per point: max over the outputs of |alpha| ((points, outputs) coefficients, float32 or float64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe double[] SurplusNorms(Tensor coefficients)
    {
        if (coefficients.device_type != TorchSharp.DeviceType.CPU || !coefficients.is_contiguous() || coefficients.dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            using var scope = NewDisposeScope();
            return coefficients.detach().abs().amax([1]).to(ScalarType.Float64).contiguous().data<double>().ToArray();
        }
        // Read in place: a step calls this once, and a handful of torch calls would cost more than the loop.
        int points = (int)coefficients.shape[0], outputs = (int)coefficients.shape[1];
        bool single = coefficients.dtype == ScalarType.Float32;
        var norms = new double[points];
        nint data = TensorData.Pointer(coefficients);
        for (int p = 0; p < points; p++)
        {
            double max = 0;
            for (long k = (long)p * outputs; k < (long)(p + 1) * outputs; k++)
                max = Math.Max(max, Math.Abs(single ? ((float*)data)[k] : ((double*)data)[k]));
            norms[p] = max;
        }
        return norms;
    }

    // For each candidate subspace: the numbers of its backward neighbours l - e_j among the current subspaces.
    private static int[][] BackwardNeighbours(SparseGrid grid, int firstCandidate)
    {
        var back = grid.BackwardNeighbourNumbers;
        int d = grid.Dim;
        var result = new int[grid.SubspaceCount - firstCandidate][];
        for (int s = firstCandidate; s < grid.SubspaceCount; s++)
        {
            var list = new List<int>();
            for (int j = 0; j < d; j++)
                if (back[s * d + j] is int k && k >= 0 && k < firstCandidate) list.Add(k);
            result[s - firstCandidate] = [.. list];
        }
        return result;
    }
}
