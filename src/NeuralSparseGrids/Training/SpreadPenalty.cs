using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// How far a batch's embeddings are from filling the box uniformly: a sliced 1-D Wasserstein-2 distance to the
/// uniform distribution on [low, high]^d. The slices are the d coordinate axes and, for every pair of dimensions i &lt; j,
/// the two diagonals (h_i + h_j)/sqrt 2 and (h_i - h_j)/sqrt 2. For each slice the batch's sorted projections
/// p_(1) &lt;= ... &lt;= p_(B) are compared with the uniform distribution's quantiles q_k at levels (k - 1/2)/B (closed
/// form: uniform on an axis, triangular on a diagonal), and the penalty is the mean of (p_(k) - q_k)^2 over k and slices.
/// </summary>
/// <remarks>
/// Why the diagonals: uniform marginals alone are met by embeddings on a curve (e.g. the diagonal h_1 = h_2), which
/// activates few grid points; the diagonal slices of such a curve are far from triangular, so the penalty pushes the
/// embeddings to cover the square of every pair of dimensions. The gradient moves each embedding toward the quantile
/// of its rank in every slice, so the task loss keeps the arrangement meaningful while the batch spreads out.
/// </remarks>
public static class SpreadPenalty
{
    private static readonly ConcurrentDictionary<(int D, long B, double Low, double High), (double[] Directions, double[] Quantiles)> Cache = new();

    /// <summary>The penalty of embeddings <paramref name="h"/> (batch, d) in [low, high]^d: a scalar, differentiable with respect to h.</summary>
    public static Tensor Of(Tensor h, double low = 0, double high = 1)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.dim() != 2) throw new ArgumentException($"Embeddings must have shape (batch, d), got ({string.Join(", ", h.shape)}).", nameof(h));
        if (!(high > low)) throw new ArgumentException($"The range [{low}, {high}] is empty.");
        using var scope = NewDisposeScope();
        int d = (int)h.shape[1];
        long batch = h.shape[0];
        var (directions, quantiles) = Cache.GetOrAdd((d, batch, low, high), key => Build(key.D, key.B, key.Low, key.High));
        int slices = directions.Length / d;
        var projection = tensor(directions, [d, slices], h.dtype, h.device);
        var target = tensor(quantiles, [batch, slices], h.dtype, h.device);
        var (sorted, _) = h.matmul(projection).sort(0);
        return (sorted - target).square().mean().MoveToOuterDisposeScope();
    }

    // (d, slices) directions and (batch, slices) target quantiles.
    private static (double[], double[]) Build(int d, long batch, double low, double high)
    {
        var slices = new List<(double[] Direction, Func<double, double> Quantile)>();
        double width = high - low, root2 = Math.Sqrt(2);
        for (int i = 0; i < d; i++)
            slices.Add((Unit(d, i, -1, 1), p => low + width * p));
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++)
            {
                // u_i + u_j is triangular on [0, 2], u_i - u_j on [-1, 1] (u uniform on [0, 1]^2).
                slices.Add((Unit(d, i, j, 1 / root2), p => (2 * low + width * TriangularSum(p)) / root2));
                slices.Add((Unit(d, i, j, -1 / root2), p => width * (TriangularSum(p) - 1) / root2));
            }
        var directions = new double[d * slices.Count];
        var quantiles = new double[batch * slices.Count];
        for (int s = 0; s < slices.Count; s++)
        {
            for (int k = 0; k < d; k++) directions[k * slices.Count + s] = slices[s].Direction[k];
            for (long b = 0; b < batch; b++) quantiles[b * slices.Count + s] = slices[s].Quantile((b + 0.5) / batch);
        }
        return (directions, quantiles);
    }

    // The axis e_i when j < 0; else the direction |second| e_i + second e_j.
    private static double[] Unit(int d, int i, int j, double second)
    {
        var v = new double[d];
        if (j < 0) { v[i] = 1; return v; }
        v[i] = Math.Abs(second);
        v[j] = second;
        return v;
    }

    // Quantile of the sum of two independent uniforms on [0, 1] (triangular on [0, 2]).
    private static double TriangularSum(double p) => p <= 0.5 ? Math.Sqrt(2 * p) : 2 - Math.Sqrt(2 * (1 - p));
}
