using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The scores that decide which subspaces a dimension-adaptive grid gains (<see cref="RefinementIndicator"/>) or
/// loses (coarsening). All are computed on a candidate grid C = current grid + candidate subspaces, whose coefficients
/// are the current ones carried over (zero on the candidates, so C's function is the model's), from the non-zeros of
/// C's basis matrix at the training embeddings (<see cref="SparseGridLayer.BasisEntries"/>, the layer's own evaluation).
/// </summary>
internal static class SubspaceIndicators
{
    private const int Chunk = 4096;

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
    /// <param name="surplusNorms">Per point of C: max over outputs of |alpha| (0 on candidates).</param>
    /// <param name="terms">C's basis non-zeros at the training embeddings.</param>
    public static double[] Surplus(SparseGrid grid, int firstCandidate, double[] surplusNorms, BasisTerms terms)
    {
        int candidates = grid.SubspaceCount - firstCandidate;
        var parents = BackwardNeighbours(grid, firstCandidate);
        var pointSubspace = PointSubspaces(grid);
        var activeNorm = new double[firstCandidate];
        var mass = new double[candidates];
        var sums = new double[candidates];
        for (int i = 0; i < terms.Rows; i++)
        {
            Array.Clear(mass);
            for (int t = 0; t < terms.Terms; t++)
            {
                int p = terms.Column(i, t), s = pointSubspace[p];
                double v = terms.Value(i, t);
                if (v == 0) continue;
                if (s < firstCandidate) activeNorm[s] = Math.Max(activeNorm[s], surplusNorms[p]);
                else mass[s - firstCandidate] += v;
            }
            for (int c = 0; c < candidates; c++)
            {
                if (mass[c] == 0) continue;
                double parent = 0;
                foreach (int k in parents[c]) parent = Math.Max(parent, activeNorm[k]);
                sums[c] += mass[c] * parent;
            }
            // Reset only what this row touched.
            for (int t = 0; t < terms.Terms; t++)
            {
                int s = pointSubspace[terms.Column(i, t)];
                if (s < firstCandidate) activeNorm[s] = 0;
            }
        }
        return sums.Select(v => v / Math.Max(1, terms.Rows)).ToArray();
    }

    /// <summary>
    /// Gradient indicator of each candidate subspace: the Frobenius norm of d(loss)/d(C rows of the candidate) over
    /// the training split, at the model's current coefficients (zero on the candidates). For MSE it is the correlation
    /// of the residual with the candidate's basis functions: the greedy choice of the subspace that lowers the training
    /// loss fastest.
    /// </summary>
    public static double[] Gradient(NeuralSparseGrid model, SparseGrid grid, int firstCandidate, Tensor carried, TrainingSplit train, Tensor embeddings)
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
    /// (points, outputs), row-major (points * outputs); embeddings (N, d) of the training split.
    /// </summary>
    public static double[] CoefficientGradient(NeuralSparseGrid model, SparseGrid grid, Tensor carried, TrainingSplit train, Tensor embeddings)
    {
        using var scope = NewDisposeScope();
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

    /// <summary>Per point of <paramref name="grid"/>: true when its basis function is non-zero at a training embedding (support holds one).</summary>
    public static bool[] Activated(SparseGrid grid, BasisTerms terms)
    {
        var mask = new bool[grid.PointCount];
        for (int i = 0; i < terms.Rows; i++)
            for (int t = 0; t < terms.Terms; t++)
                if (terms.Value(i, t) != 0) mask[terms.Column(i, t)] = true;
        return mask;
    }

    /// <summary>Per point: max over the outputs of |alpha| ((points, outputs) coefficients).</summary>
    public static double[] SurplusNorms(Tensor coefficients)
    {
        using var scope = NewDisposeScope();
        var norms = coefficients.detach().abs().amax([1]).to(ScalarType.Float64).contiguous();
        return norms.data<double>().ToArray();
    }

    /// <summary>Basis non-zeros (columns, values) of <paramref name="grid"/> at embeddings (N, d), evaluated in float64.</summary>
    public static BasisTerms Terms(SparseGrid grid, Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var layer = new SparseGridLayer(grid, 1, new SparseGridLayerOptions { DType = ScalarType.Float64, Clamp = true });
        var (columns, values) = layer.BasisEntries(embeddings.to(ScalarType.Float64));
        return new BasisTerms(columns.contiguous().data<long>().ToArray(), values.contiguous().data<double>().ToArray(), (int)columns.shape[0], (int)columns.shape[1]);
    }

    private static int[] PointSubspaces(SparseGrid grid)
    {
        var result = new int[grid.PointCount];
        for (int s = 0; s < grid.SubspaceCount; s++)
            result.AsSpan((int)grid.SubspaceOffsets[s], (int)(grid.SubspaceOffsets[s + 1] - grid.SubspaceOffsets[s])).Fill(s);
        return result;
    }

    // For each candidate subspace: the numbers of its backward neighbours l - e_j among the current subspaces.
    private static int[][] BackwardNeighbours(SparseGrid grid, int firstCandidate)
    {
        var index = GridRemap.SubspaceIndex(grid);
        int d = grid.Dim;
        var result = new int[grid.SubspaceCount - firstCandidate][];
        var probe = new int[d];
        for (int s = firstCandidate; s < grid.SubspaceCount; s++)
        {
            var list = new List<int>();
            for (int j = 0; j < d; j++)
            {
                grid.SubspaceLevels.Slice(s * d, d).CopyTo(probe);
                if (probe[j] == grid.MinLevel) continue;
                probe[j]--;
                if (index.TryGetValue(GridRemap.Key(probe), out int k) && k < firstCandidate) list.Add(k);
            }
            result[s - firstCandidate] = [.. list];
        }
        return result;
    }
}

/// <summary>The non-zeros of a basis matrix row by row: (rows, terms) columns and values, row-major.</summary>
internal sealed record BasisTerms(long[] Columns, double[] Values, int Rows, int Terms)
{
    public int Column(int row, int term) => (int)Columns[row * Terms + term];

    public double Value(int row, int term) => Values[row * Terms + term];
}
