using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Fast evaluation of a sparse grid function u(x) = sum_p alpha_p phi_p(x), its gradient du/dx, and the transposed
/// operation B^T r, in O(S * d) per sample (S subspaces) instead of O(G * d) (G points).
/// </summary>
/// <remarks>
/// Per sample and dimension the active one-dimensional functions of every level are computed once
/// (<see cref="Basis1D.Active"/>); each subspace then contributes the tensor product of its levels' active functions:
/// one term for hat levels, up to 2^m or 3^m terms when m of its levels are global boundary levels. For grids without
/// global levels (<see cref="GridType.Linear"/>, <see cref="GridType.ModifiedLinear"/>) values and the transpose walk a
/// prefix tree of the subspaces' level vectors, so subspaces sharing levels share partial products (about one
/// multiply-add per subspace instead of d).
/// Samples are split into chunks processed in parallel; accumulation is in double for both float and double data.
/// Coordinates outside [0, 1] are clamped into [0, 1]; NaN coordinates are rejected. Derivatives at kinks are
/// one-sided as documented in <see cref="Basis1D"/>.
/// </remarks>
public static class SparseGridEvaluator
{
    private static readonly ConditionalWeakTable<SparseGrid, SubspaceWalk> Walks = new();

    /// <summary>
    /// result = u(x): for each sample b and output o, result[b, o] = sum_p alpha[p, o] * phi_p(x[b, :]).
    /// </summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="alpha">Surpluses, (points, outputs) row-major.</param>
    /// <param name="x">Samples, (batch, dim) row-major, in [0, 1]^d (clamped).</param>
    /// <param name="result">Output, (batch, outputs) row-major; overwritten.</param>
    public static void Evaluate<T>(SparseGrid grid, T[] alpha, T[] x, T[] result) where T : unmanaged, IFloatingPoint<T>
    {
        var (walk, outputs, batch) = Check(grid, alpha, x);
        if (result.Length != batch * outputs) throw new ArgumentException($"result must have batch * outputs = {batch * outputs} entries, got {result.Length}.", nameof(result));
        Run(walk, outputs, batch, (ws, from, to) =>
        {
            Span<double> xs = stackalloc double[grid.Dim];
            Span<double> acc = outputs <= 64 ? stackalloc double[outputs] : new double[outputs];
            for (int b = from; b < to; b++)
            {
                Load(x, b, xs);
                ws.Active.Fill(xs);
                EvaluationKernels.Value(ws, alpha, outputs, acc);
                for (int o = 0; o < outputs; o++) result[b * outputs + o] = T.CreateTruncating(acc[o]);
            }
        });
    }

    /// <summary>
    /// gradient = du/dx: gradient[b, o, j] = sum_p alpha[p, o] * d phi_p / d x_j (x[b, :]).
    /// </summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="alpha">Surpluses, (points, outputs) row-major.</param>
    /// <param name="x">Samples, (batch, dim) row-major, in [0, 1]^d (clamped).</param>
    /// <param name="gradient">Output, (batch, outputs, dim) row-major; overwritten.</param>
    public static void Gradient<T>(SparseGrid grid, T[] alpha, T[] x, T[] gradient) where T : unmanaged, IFloatingPoint<T>
    {
        var (walk, outputs, batch) = Check(grid, alpha, x);
        int d = grid.Dim;
        if (gradient.Length != batch * outputs * d) throw new ArgumentException($"gradient must have batch * outputs * dim = {batch * outputs * d} entries, got {gradient.Length}.", nameof(gradient));
        Run(walk, outputs, batch, (ws, from, to) =>
        {
            Span<double> xs = stackalloc double[d];
            var acc = ws.Accumulator;
            for (int b = from; b < to; b++)
            {
                Load(x, b, xs);
                ws.Active.Fill(xs);
                EvaluationKernels.Gradient(ws, alpha, outputs, acc);
                for (int i = 0; i < outputs * d; i++) gradient[b * outputs * d + i] = T.CreateTruncating(acc[i]);
            }
        });
    }

    /// <summary>
    /// The transposed operation, result = B^T r with B[b, p] = phi_p(x[b, :]):
    /// result[p, o] = sum_b phi_p(x[b, :]) * r[b, o]. Used by least-squares fitting and for gradients with respect
    /// to the surpluses.
    /// </summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="r">Per-sample values, (batch, outputs) row-major.</param>
    /// <param name="x">Samples, (batch, dim) row-major, in [0, 1]^d (clamped).</param>
    /// <param name="result">Output, (points, outputs) row-major; overwritten.</param>
    public static void EvaluateTranspose<T>(SparseGrid grid, T[] r, T[] x, T[] result) where T : unmanaged, IFloatingPoint<T>
    {
        ArgumentNullException.ThrowIfNull(grid);
        var walk = WalkOf(grid);
        int d = grid.Dim, points = grid.PointOffsets[^1];
        if (x.Length % d != 0) throw new ArgumentException($"x must be (batch, {d}) row-major; its length {x.Length} is not a multiple of {d}.", nameof(x));
        int batch = x.Length / d;
        if (result.Length == 0 || result.Length % points != 0) throw new ArgumentException($"result must be (points = {points}, outputs) row-major, got length {result.Length}.", nameof(result));
        int outputs = result.Length / points;
        if (r.Length != batch * outputs) throw new ArgumentException($"r must have batch * outputs = {batch * outputs} entries, got {r.Length}.", nameof(r));
        GridSize.EnsureFits(grid, outputs * Math.Max(1, Math.Min(Environment.ProcessorCount, batch)), GridSize.DefaultMaxBytes);
        var total = new double[result.Length];
        var gate = new object();
        Run(walk, outputs, batch, (ws, from, to) =>
        {
            Span<double> xs = stackalloc double[d];
            var local = new double[result.Length];
            for (int b = from; b < to; b++)
            {
                Load(x, b, xs);
                ws.Active.Fill(xs);
                EvaluationKernels.Transpose<T>(ws, r.AsSpan(b * outputs, outputs), outputs, local);
            }
            lock (gate)
                for (int i = 0; i < local.Length; i++) total[i] += local[i];
        }, chunksPerThread: 1);
        for (int i = 0; i < result.Length; i++) result[i] = T.CreateTruncating(total[i]);
    }

    internal static SubspaceWalk WalkOf(SparseGrid grid) => Walks.GetValue(grid, g => new SubspaceWalk(g));

    private static (SubspaceWalk walk, int outputs, int batch) Check<T>(SparseGrid grid, T[] alpha, T[] x)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var walk = WalkOf(grid);
        int d = grid.Dim, points = grid.PointOffsets[^1];
        if (alpha.Length == 0 || alpha.Length % points != 0)
            throw new ArgumentException($"alpha must be (points = {points}, outputs) row-major, got length {alpha.Length}.", nameof(alpha));
        if (x.Length % d != 0) throw new ArgumentException($"x must be (batch, {d}) row-major; its length {x.Length} is not a multiple of {d}.", nameof(x));
        return (walk, alpha.Length / points, x.Length / d);
    }

    private static void Load<T>(T[] x, int b, Span<double> xs) where T : unmanaged, IFloatingPoint<T>
    {
        int d = xs.Length;
        for (int j = 0; j < d; j++) xs[j] = double.CreateTruncating(x[b * d + j]);
    }

    // Splits [0, batch) into contiguous chunks (ParallelChunks); each worker gets its own workspace. chunksPerThread = 1
    // gives one chunk per worker (used when each chunk owns a large buffer).
    private static void Run(SubspaceWalk walk, int outputs, int batch, Action<EvaluationWorkspace, int, int> body, int chunksPerThread = 4)
    {
        if (batch == 0) return;
        int workers = Environment.ProcessorCount;
        long work = (long)batch * walk.Grid.SubspaceCount * walk.Grid.Dim;
        int chunks = workers == 1 || work < 50_000 ? 1 : Math.Min(batch, workers * chunksPerThread);
        ParallelChunks.For(chunks, workers, () => new EvaluationWorkspace(walk, outputs), (c, ws) =>
        {
            var (from, to) = ParallelChunks.Range(c, chunks, batch);
            body(ws, from, to);
        }, _ => { });
    }
}
