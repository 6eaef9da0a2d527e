using NeuralSparseGrids.Grids;
using Onnx;

namespace NeuralSparseGrids.Onnx;

/// <summary>
/// The sparse grid layer u(h) = sum_p C[p] phi_p(h) (thesis Eq. 3.3) in standard ONNX operators, built from the public
/// description of a <see cref="SparseGrid"/> (subspace levels, strides, offsets) and <see cref="Basis1D"/>.
/// </summary>
/// <remarks>
/// Per dimension j every one-dimensional level contributes "slots": a hat level one slot whose active function is at
/// local position k = min(floor(x 2^(l-1)), 2^(l-1) - 1) (the cell holding x), a boundary level (level 0 of V^0B,
/// level 1 of V^B(1)) one slot per function at a fixed position. A "term" picks one slot per dimension of a subspace,
/// so each term has exactly one active basis function: point = offset(s) + sum_j k_j stride(s, j), value = prod_j
/// phi_j(x_j). The graph computes all slots at once (batch, d, A), gathers the T terms' slots, and sums
/// value x C[point] over the terms: Clip, Floor, Min, Abs, Where, Concat, Gather, Mul, ReduceProd, ReduceSum.
/// Same cell convention as the TorchSharp paths; the layer is continuous, so cell-boundary ties cannot change it.
/// </remarks>
internal static class SparseGridGraph
{
    /// <summary>Appends the layer: h (batch, d) float32 -> (batch, outputs) float32, coefficients (points, outputs) row-major.</summary>
    public static string Append(OnnxGraphBuilder g, string h, SparseGrid grid, float[] coefficients, int outputs)
    {
        if (coefficients.LongLength != grid.PointCount * outputs)
            throw new ArgumentException($"Expected {grid.PointCount} x {outputs} coefficients, got {coefficients.LongLength}.", nameof(coefficients));
        var slots = SlotLayout.Of(grid);
        var terms = TermTable.Of(grid, slots);
        int d = grid.Dim;

        var x = g.Node("Clip", [h, g.Scalar(0), g.Scalar(1)]);
        var x3 = g.Unsqueeze(x, 2);                                                   // (N, d, 1)
        var positions = new List<string>();
        var values = new List<string>();
        if (slots.HatLevels.Length > 0)
        {
            var (k, v) = HatSlots(g, x3, grid.Type, slots.HatLevels);
            positions.Add(k);
            values.Add(v);
        }
        if (slots.BoundaryPositions.Length > 0)
        {
            // Fixed positions broadcast to (N, d, B) by adding 0 * x3.
            var zero = g.Mul(x3, g.Scalar(0));
            positions.Add(g.Add(zero, g.Floats("boundary_pos", slots.BoundaryPositions.Select(p => (float)p).ToArray(), slots.BoundaryPositions.Length)));
            values.Add(BoundaryValues(g, x3, grid.Type));
        }
        var pos = positions.Count == 1 ? positions[0] : g.Concat(2, [.. positions]);   // (N, d, A) float, exact small integers
        var val = values.Count == 1 ? values[0] : g.Concat(2, [.. values]);             // (N, d, A)

        var slotIndex = g.Int64s("term_slot", terms.Slot, terms.Slot.Length);           // (T d): j A + slot
        var posTerms = g.Reshape(g.Gather(g.Reshape(g.Cast(pos, TensorProto.Types.DataType.Int64), 0, -1), slotIndex, 1), 0, terms.Count, d);
        var point = g.Add(g.ReduceSum(g.Mul(posTerms, g.Int64s("term_stride", terms.Stride, terms.Count, d)), 2),
            g.Int64s("term_offset", terms.Offset, terms.Count));                         // (N, T)
        var valTerms = g.Reshape(g.Gather(g.Reshape(val, 0, -1), slotIndex, 1), 0, terms.Count, d);
        var weight = g.Node("ReduceProd", [valTerms], OnnxGraphBuilder.Ints("axes", 2), OnnxGraphBuilder.Int("keepdims", 0)); // (N, T)

        var c = g.Floats("coefficients", coefficients, grid.PointCount, outputs);
        if (grid.HasPartialSubspaces)
        {
            // Spatially adaptive grid: `point` is a key of the full subspaces' numbering (TermTable.Of); a table turns
            // it into the coefficient row, absent points into an appended zero row.
            var rows = PartialRowTable(grid);
            point = g.Gather(g.Int64s("point_row", rows, rows.Length), point, 0);
            c = g.Concat(0, [c, g.Floats("absent_row", new float[outputs], 1, outputs)]);
        }
        var gathered = g.Gather(c, point, 0);                                           // (N, T, O)
        return g.ReduceSum(g.Mul(gathered, g.Unsqueeze(weight, 2)), 1);                 // (N, O)
    }

    // Hat slots: positions k (float) and values (N, d, Lh), as the tensor-op path of the layer.
    private static (string k, string v) HatSlots(OnnxGraphBuilder g, string x3, GridType type, int[] hatLevels)
    {
        var cellsValues = hatLevels.Select(l => (float)(1L << (l - 1))).ToArray();
        var cells = g.Floats("cells", cellsValues, hatLevels.Length);
        var k = g.Node("Min", [g.Node("Floor", [g.Mul(x3, cells)]), g.Floats("last_cell", cellsValues.Select(c => c - 1).ToArray(), hatLevels.Length)]);
        var i = g.Add(g.Mul(k, g.Scalar(2)), g.Scalar(1));
        var scale = g.Floats("scale", cellsValues.Select(c => 2 * c).ToArray(), hatLevels.Length);
        var xs = g.Mul(x3, scale);
        var v = g.Sub(g.Scalar(1), g.Node("Abs", [g.Sub(xs, i)]));                      // 1 - |2^l x - i|
        if (type == GridType.ModifiedLinear)
        {
            var left = g.Sub(g.Scalar(2), xs);                                           // 2 - 2^l x
            var right = g.Sub(g.Add(xs, g.Scalar(1)), i);                                // 2^l x + 1 - i
            var lastIndex = g.Floats("last_index", cellsValues.Select(c => 2 * c - 1).ToArray(), hatLevels.Length);
            v = g.Where(g.Equal(i, g.Scalar(1)), left, g.Where(g.Equal(i, lastIndex), right, v));
            var isLevel1 = g.Bools("is_level1", hatLevels.Select(l => l == 1).ToArray(), hatLevels.Length);
            v = g.Where(isLevel1, g.Add(g.Mul(xs, g.Scalar(0)), g.Scalar(1)), v);
        }
        return (k, v);
    }

    // Boundary slots of V^0B (1 - x, x) or V^B(1) (1 - x, hat at 1/2, x): (N, d, B).
    private static string BoundaryValues(OnnxGraphBuilder g, string x3, GridType type)
    {
        var oneMinus = g.Sub(g.Scalar(1), x3);
        if (type == GridType.LinearBoundary) return g.Concat(2, oneMinus, x3);
        var twoX = g.Mul(x3, g.Scalar(2));
        var middle = g.Where(g.Node("Less", [x3, g.Scalar(0.5f)]), twoX, g.Sub(g.Scalar(2), twoX));
        return g.Concat(2, oneMinus, middle, x3);
    }

    /// <summary>Slots per dimension: hat levels first, then the functions of the boundary levels.</summary>
    internal sealed record SlotLayout(int[] HatLevels, long[] BoundaryPositions, Dictionary<int, int> FirstSlotOfLevel)
    {
        public int Count => HatLevels.Length + BoundaryPositions.Length;

        public static SlotLayout Of(SparseGrid grid)
        {
            int min = Basis1D.MinLevel(grid.Type);
            var first = new Dictionary<int, int>();
            var hat = new List<int>();
            for (int l = min; l <= grid.MaxLevel1D; l++)
                if (!IsBoundaryLevel(grid.Type, l)) { first[l] = hat.Count; hat.Add(l); }
            var boundary = new List<long>();
            for (int l = min; l <= grid.MaxLevel1D; l++)
            {
                if (!IsBoundaryLevel(grid.Type, l)) continue;
                first[l] = hat.Count + boundary.Count;
                for (int k = 0; k < Basis1D.Count(grid.Type, l); k++) boundary.Add(k);
            }
            return new SlotLayout(hat.ToArray(), boundary.ToArray(), first);
        }

        /// <summary>Levels whose functions overlap (all non-zero at once): level 0 of V^0B, level 1 of V^B(1).</summary>
        public static bool IsBoundaryLevel(GridType type, int level) =>
            level == 0 || (level == 1 && type == GridType.LinearExtendedBoundary);
    }

    /// <summary>Largest full-numbering table a spatially adaptive grid's export may carry (int64 entries).</summary>
    public const int MaxRowTable = 1 << 24;

    /// <summary>
    /// Per key of the full subspaces' numbering (subspace s's points start at the full sizes of the subspaces before it)
    /// the coefficient row, or <c>PointCount</c> (the appended zero row) for an absent point.
    /// </summary>
    private static long[] PartialRowTable(SparseGrid grid)
    {
        long total = Enumerable.Range(0, grid.SubspaceCount).Sum(s => (long)grid.FullSubspaceSize(s));
        if (total > MaxRowTable)
            throw new NotSupportedException($"ONNX export of this spatially adaptive grid needs a {total:N0}-entry point table (its partial subspaces' full sizes), above {MaxRowTable:N0}; use the model through `nsg predict`.");
        var table = new long[total];
        long at = 0;
        for (int s = 0; s < grid.SubspaceCount; s++)
            for (int local = 0; local < grid.FullSubspaceSize(s); local++, at++)
            {
                int row = grid.PointRow(s, local);
                table[at] = row < 0 ? grid.PointCount : row;
            }
        return table;
    }

    /// <summary>
    /// The terms: per term and dimension the flat slot j A + slot and the stride; per term the subspace offset (for a
    /// grid with partial subspaces the first key of the subspace in the full numbering, see <see cref="PartialRowTable"/>).
    /// </summary>
    internal sealed record TermTable(long[] Slot, long[] Stride, long[] Offset)
    {
        public int Count => Offset.Length;

        public static TermTable Of(SparseGrid grid, SlotLayout slots)
        {
            int d = grid.Dim, a = slots.Count;
            var slot = new List<long>();
            var stride = new List<long>();
            var offset = new List<long>();
            var choice = new int[d];
            long fullOffset = 0;
            for (int s = 0; s < grid.SubspaceCount; fullOffset += grid.FullSubspaceSize(s), s++)
            {
                var choices = Enumerable.Range(0, d).Select(j =>
                {
                    int l = grid.SubspaceLevel(s, j);
                    return SlotLayout.IsBoundaryLevel(grid.Type, l) ? Basis1D.Count(grid.Type, l) : 1;
                }).ToArray();
                Array.Clear(choice);
                while (true)
                {
                    for (int j = 0; j < d; j++)
                    {
                        slot.Add(j * a + slots.FirstSlotOfLevel[grid.SubspaceLevel(s, j)] + choice[j]);
                        stride.Add(grid.SubspaceStrides[s * d + j]);
                    }
                    offset.Add(grid.HasPartialSubspaces ? fullOffset : grid.SubspaceOffsets[s]);
                    int jj = d - 1;
                    for (; jj >= 0; jj--)
                    {
                        if (++choice[jj] < choices[jj]) break;
                        choice[jj] = 0;
                    }
                    if (jj < 0) break;
                }
            }
            return new TermTable(slot.ToArray(), stride.ToArray(), offset.ToArray());
        }
    }
}
