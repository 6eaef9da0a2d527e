using NeuralSparseGrids.Grids;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The sparse grid layer from torch operations only (floor, where, gathers, products, bmm), so it runs on any device
/// and torch's autograd differentiates it. Same one-dimensional semantics as the fused kernel: the evaluated linear
/// piece is chosen with torch.where, so the derivative at a kink is the same one-sided derivative.
/// </summary>
internal static class TensorOpsPath
{
    /// <summary>Positions (int64) and values of every slot: x (N, d) in [0, 1] -> ((N, d, A), (N, d, A)).</summary>
    public static (Tensor positions, Tensor values) Slots(TermIndex tables, TermIndexTensors dt, Tensor x)
    {
        var type = tables.Grid.Type;
        var x3 = x.unsqueeze(-1);                                   // (N, d, 1)
        var positions = new List<Tensor>();
        var values = new List<Tensor>();
        if (tables.HatLevels.Length > 0)
        {
            var cells = dt.HatCells.to(x.dtype);                    // (Lh)
            var k = (x3 * cells).floor_().minimum(cells - 1);       // (N, d, Lh), exact: cells is a power of two
            var i = 2 * k + 1;
            var scale = 2 * cells;
            var u = x3 * scale - i;
            var v = where(u >= 0, 1 - u, 1 + u);
            if (type == GridType.ModifiedLinear)
            {
                v = where(i == 1, 2 - x3 * scale, where(i == scale - 1, x3 * scale + 1 - i, v));
                v = where(dt.HatIsLevel1, ones_like(v), v);
            }
            positions.Add(k.to(ScalarType.Int64));
            values.Add(v);
        }
        if (type == GridType.LinearBoundary)
            values.Add(cat([1 - x3, x3], -1));
        else if (type == GridType.LinearExtendedBoundary)
            values.Add(cat([1 - x3, where(x3 < 0.5, 2 * x3, 2 - 2 * x3), x3], -1));
        if (tables.BoundaryPositions.Length > 0)
            positions.Add(dt.BoundaryPositions.expand(x.shape[0], x.shape[1], tables.BoundaryPositions.Length));
        return (positions.Count == 1 ? positions[0] : cat(positions, -1), values.Count == 1 ? values[0] : cat(values, -1));
    }

    /// <summary>
    /// The active basis function of every term: x (N, d) -> (point indices (N, T) int64, values (N, T)). A term whose
    /// point is absent (partial subspaces) has value 0 and some valid row index.
    /// </summary>
    public static (Tensor indices, Tensor values) Terms(TermIndex tables, TermIndexTensors dt, Tensor x)
    {
        long n = x.shape[0];
        int d = tables.Grid.Dim, terms = tables.Terms;
        var (pos, val) = Slots(tables, dt, x);
        var p = pos.reshape(n, -1).index_select(1, dt.TermSlot).view(n, terms, d);
        var indices = (p * dt.TermStride).sum(-1) + dt.TermOffset;
        var w = val.reshape(n, -1).index_select(1, dt.TermSlot).view(n, terms, d).prod(-1);
        if (dt.PointKeys is { } keys)
        {
            // Partial subspaces: key -> row by binary search; an absent point keeps a valid row with weight 0, so
            // it adds nothing to the output and receives a zero gradient.
            var rows = searchsorted(keys, indices).clamp_max(keys.shape[0] - 1);
            var present = keys.index_select(0, rows.view(-1)).view_as(rows) == indices;
            return (rows, w * present.to(w.dtype));
        }
        return (indices, w);
    }

    /// <summary>Layer output: x (N, d), coefficients (points, O) -> (N, O).</summary>
    public static Tensor Forward(TermIndex tables, TermIndexTensors dt, Tensor x, Tensor coefficients)
    {
        long n = x.shape[0], o = coefficients.shape[1];
        var (indices, w) = Terms(tables, dt, x);
        var gathered = coefficients.index_select(0, indices.view(-1)).view(n, tables.Terms, o);
        return bmm(w.unsqueeze(1), gathered).squeeze(1);
    }

    /// <summary>
    /// Dense basis matrix K (thesis Eq. 3.4): x (N, d) -> (N, points), K[b, p] = prod_j phi_{l_pj, i_pj}(x_bj).
    /// Differentiable when x requires gradients; the caller checks the memory budget.
    /// </summary>
    public static Tensor BasisMatrix(TermIndex tables, TermIndexTensors dt, Tensor x)
    {
        int d = tables.Grid.Dim;
        var (pos, val) = Slots(tables, dt, x);
        var funcPos = pos.index_select(2, dt.FuncSlot);                          // (N, d, F)
        var funcVal = val.index_select(2, dt.FuncSlot);
        var f = where(funcPos == dt.FuncPos, funcVal, zeros_like(funcVal));      // every 1-D function, 0 off its cell
        var pointFunctions = dt.PointFunctions;                                  // (points, d)
        bool inPlace = !(is_grad_enabled() && x.requires_grad);
        Tensor k = f.select(1, 0).index_select(1, pointFunctions.select(1, 0));
        for (int j = 1; j < d; j++)
        {
            var factor = f.select(1, j).index_select(1, pointFunctions.select(1, j));
            k = inPlace ? k.mul_(factor) : k * factor;
            if (inPlace) factor.Dispose();
        }
        return k;
    }
}
