using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// The per-sample work of the fast evaluator: walks the subspaces, combines the active one-dimensional functions
/// of each (one combination for hat levels, a small tensor product for global boundary levels) into a point index
/// offset + sum_j k_j * stride_j and a weight prod_j phi_j(x_j), and hands each term to an operation.
/// </summary>
internal static class EvaluationKernels
{
    private const int M = ActiveFunctions.Width;

    /// <summary>acc (outputs) = sum_p alpha[p, :] * phi_p(x) for the sample held by <paramref name="ws"/>.</summary>
    public static void Value<T>(EvaluationWorkspace ws, T[] alpha, int outputs, Span<double> acc) where T : unmanaged, IFloatingPoint<T>
    {
        var t = ws.Walk;
        var g = t.Grid;
        if (!g.HasGlobalLevels)
        {
            ValueTrie(ws, alpha, outputs, acc);
            return;
        }
        int d = g.Dim;
        acc.Clear();
        int[] entries = t.EntryStarts, strides = g.Strides, offsets = g.PointOffsets, pos = ws.Active.Positions, counts = ws.Active.Counts, choice = ws.Choice, limits = ws.Limits;
        double[] val = ws.Active.Values;
        bool[] partial = g.PartialSubspaces;
        ref int slotM = ref MemoryMarshal.GetArrayDataReference(entries);
        ref int strideRef = ref MemoryMarshal.GetArrayDataReference(strides);
        ref int posRef = ref MemoryMarshal.GetArrayDataReference(pos);
        ref double valRef = ref MemoryMarshal.GetArrayDataReference(val);
        for (int s = 0; s < g.SubspaceCount; s++)
        {
            int b = s * d;
            if (!g.GlobalLevelSubspaces[s])
            {
                // Hot path (one term): no bounds checks; slot entries are pre-multiplied by MaxActive.
                int idx = partial[s] ? 0 : offsets[s];
                double w = 1;
                for (int j = 0; j < d; j++)
                {
                    int slot = Unsafe.Add(ref slotM, b + j);
                    idx += Unsafe.Add(ref posRef, slot) * Unsafe.Add(ref strideRef, b + j);
                    w *= Unsafe.Add(ref valRef, slot);
                }
                if (w == 0 || (partial[s] && (idx = g.PointRow(s, idx)) < 0)) continue;
                if (outputs == 1) acc[0] += w * double.CreateTruncating(alpha[idx]);
                else AddScaled(alpha, idx, outputs, w, acc);
                continue;
            }
            Array.Clear(choice);
            for (int j = 0; j < d; j++) limits[j] = counts[entries[b + j] / M];
            while (true)
            {
                int idx = partial[s] ? 0 : offsets[s];
                double w = 1;
                for (int j = 0; j < d; j++)
                {
                    int slot = entries[b + j] + choice[j];
                    idx += pos[slot] * strides[b + j];
                    w *= val[slot];
                }
                if (partial[s]) idx = g.PointRow(s, idx);
                if (w != 0 && idx >= 0) AddScaled(alpha, idx, outputs, w, acc);
                if (!Odometer.Next(choice, limits)) break;
            }
        }
    }

    /// <summary>grad (outputs, dim) = sum_p alpha[p, :] * d phi_p / dx (x) for the sample held by <paramref name="ws"/>.</summary>
    public static void Gradient<T>(EvaluationWorkspace ws, T[] alpha, int outputs, Span<double> grad) where T : unmanaged, IFloatingPoint<T>
    {
        var t = ws.Walk;
        var g = t.Grid;
        int d = g.Dim;
        grad.Clear();
        int[] entries = t.EntryStarts, strides = g.Strides, offsets = g.PointOffsets, pos = ws.Active.Positions, counts = ws.Active.Counts, choice = ws.Choice, limits = ws.Limits;
        double[] val = ws.Active.Values, der = ws.Active.Derivatives, prefix = ws.Prefix, suffix = ws.Suffix, terms = ws.Terms;
        bool[] partial = g.PartialSubspaces;
        ref int slotM = ref MemoryMarshal.GetArrayDataReference(entries);
        ref int strideRef = ref MemoryMarshal.GetArrayDataReference(strides);
        ref int posRef = ref MemoryMarshal.GetArrayDataReference(pos);
        ref double valRef = ref MemoryMarshal.GetArrayDataReference(val);
        ref double derRef = ref MemoryMarshal.GetArrayDataReference(der);
        ref double prefixRef = ref MemoryMarshal.GetArrayDataReference(prefix);
        ref double termRef = ref MemoryMarshal.GetArrayDataReference(terms);
        ref double gradRef = ref MemoryMarshal.GetReference(grad);
        for (int s = 0; s < g.SubspaceCount; s++)
        {
            int b = s * d;
            if (!g.GlobalLevelSubspaces[s])
            {
                // Hot path (one term): prefix products forward, suffix products backward, no bounds checks.
                int idx = partial[s] ? 0 : offsets[s];
                double p = 1;
                for (int j = 0; j < d; j++)
                {
                    int slot = Unsafe.Add(ref slotM, b + j);
                    idx += Unsafe.Add(ref posRef, slot) * Unsafe.Add(ref strideRef, b + j);
                    Unsafe.Add(ref prefixRef, j) = p;
                    p *= Unsafe.Add(ref valRef, slot);
                }
                double suffixProduct = 1;
                for (int j = d - 1; j >= 0; j--)
                {
                    int slot = Unsafe.Add(ref slotM, b + j);
                    Unsafe.Add(ref termRef, j) = Unsafe.Add(ref prefixRef, j) * Unsafe.Add(ref derRef, slot) * suffixProduct;
                    suffixProduct *= Unsafe.Add(ref valRef, slot);
                }
                if (partial[s] && (idx = g.PointRow(s, idx)) < 0) continue;
                int row = idx * outputs;
                for (int o = 0; o < outputs; o++)
                {
                    double a = double.CreateTruncating(alpha[row + o]);
                    if (a == 0) continue;
                    ref double gRow = ref Unsafe.Add(ref gradRef, o * d);
                    for (int j = 0; j < d; j++) Unsafe.Add(ref gRow, j) += a * Unsafe.Add(ref termRef, j);
                }
                continue;
            }
            Array.Clear(choice);
            for (int j = 0; j < d; j++) limits[j] = counts[entries[b + j] / M];
            while (true)
            {
                int idx = partial[s] ? 0 : offsets[s];
                prefix[0] = 1;
                for (int j = 0; j < d; j++)
                {
                    int slot = entries[b + j] + choice[j];
                    idx += pos[slot] * strides[b + j];
                    prefix[j + 1] = prefix[j] * val[slot];
                }
                suffix[d] = 1;
                bool any = false;
                for (int j = d - 1; j >= 0; j--)
                {
                    int slot = entries[b + j] + choice[j];
                    double term = prefix[j] * der[slot] * suffix[j + 1];
                    terms[j] = term;
                    any |= term != 0;
                    suffix[j] = suffix[j + 1] * val[slot];
                }
                if (partial[s]) idx = g.PointRow(s, idx);
                if (any && idx >= 0)
                {
                    int row = idx * outputs;
                    for (int o = 0; o < outputs; o++)
                    {
                        double a = double.CreateTruncating(alpha[row + o]);
                        if (a == 0) continue;
                        var gradRow = grad.Slice(o * d, d);
                        for (int j = 0; j < d; j++) gradRow[j] += a * terms[j];
                    }
                }
                if (!Odometer.Next(choice, limits)) break;
            }
        }
    }

    /// <summary>target (points, outputs) += phi_p(x) * r (outputs) for every p: one row of B^T r.</summary>
    public static void Transpose<T>(EvaluationWorkspace ws, ReadOnlySpan<T> r, int outputs, double[] target) where T : unmanaged, IFloatingPoint<T>
    {
        var t = ws.Walk;
        var g = t.Grid;
        int d = g.Dim;
        Span<double> rd = outputs <= 64 ? stackalloc double[outputs] : new double[outputs];
        for (int o = 0; o < outputs; o++) rd[o] = double.CreateTruncating(r[o]);
        if (!g.HasGlobalLevels)
        {
            TransposeTrie(ws, rd, outputs, target);
            return;
        }
        int[] entries = t.EntryStarts, strides = g.Strides, offsets = g.PointOffsets, pos = ws.Active.Positions, counts = ws.Active.Counts, choice = ws.Choice, limits = ws.Limits;
        double[] val = ws.Active.Values;
        bool[] partial = g.PartialSubspaces;
        for (int s = 0; s < g.SubspaceCount; s++)
        {
            int b = s * d;
            Array.Clear(choice);
            bool multi = g.GlobalLevelSubspaces[s];
            if (multi) for (int j = 0; j < d; j++) limits[j] = counts[entries[b + j] / M];
            while (true)
            {
                int idx = partial[s] ? 0 : offsets[s];
                double w = 1;
                for (int j = 0; j < d; j++)
                {
                    int slot = entries[b + j] + choice[j];
                    idx += pos[slot] * strides[b + j];
                    w *= val[slot];
                }
                if (partial[s]) idx = g.PointRow(s, idx);
                if (w != 0 && idx >= 0)
                {
                    int row = idx * outputs;
                    for (int o = 0; o < outputs; o++) target[row + o] += w * rd[o];
                }
                if (!multi || !Odometer.Next(choice, limits)) break;
            }
        }
    }

    // Preorder walk of the subspace trie (grids without global levels: one active function per level).
    // weight[t] / index[t] hold the product and partial point index of the path above depth t.
    private static void ValueTrie<T>(EvaluationWorkspace ws, T[] alpha, int outputs, Span<double> acc) where T : unmanaged, IFloatingPoint<T>
    {
        var t = ws.Walk;
        int last = t.Grid.Dim - 1, nodes = t.NodeDepth.Length;
        acc.Clear();
        Span<double> weight = stackalloc double[t.Grid.Dim];
        Span<int> index = stackalloc int[t.Grid.Dim];
        weight[0] = 1;
        index[0] = 0;
        ref int depthRef = ref MemoryMarshal.GetArrayDataReference(t.NodeDepth);
        ref int slotRef = ref MemoryMarshal.GetArrayDataReference(t.NodeEntry);
        ref int strideRef = ref MemoryMarshal.GetArrayDataReference(t.NodeStride);
        ref int offsetRef = ref MemoryMarshal.GetArrayDataReference(t.NodeOffset);
        ref int posRef = ref MemoryMarshal.GetArrayDataReference(ws.Active.Positions);
        ref double valRef = ref MemoryMarshal.GetArrayDataReference(ws.Active.Values);
        ref T alphaRef = ref MemoryMarshal.GetArrayDataReference(alpha);
        double sum = 0;
        for (int n = 0; n < nodes; n++)
        {
            int depth = Unsafe.Add(ref depthRef, n);
            int slot = Unsafe.Add(ref slotRef, n);
            double w = weight[depth] * Unsafe.Add(ref valRef, slot);
            int idx = index[depth] + Unsafe.Add(ref posRef, slot) * Unsafe.Add(ref strideRef, n);
            if (depth < last)
            {
                weight[depth + 1] = w;
                index[depth + 1] = idx;
            }
            else if (w != 0)
            {
                int p = LeafRow(t, Unsafe.Add(ref offsetRef, n), idx);
                if (p < 0) continue;
                if (outputs == 1) sum += w * double.CreateTruncating(Unsafe.Add(ref alphaRef, p));
                else AddScaled(alpha, p, outputs, w, acc);
            }
        }
        if (outputs == 1) acc[0] = sum;
    }

    private static void TransposeTrie(EvaluationWorkspace ws, ReadOnlySpan<double> r, int outputs, double[] target)
    {
        var t = ws.Walk;
        int last = t.Grid.Dim - 1, nodes = t.NodeDepth.Length;
        Span<double> weight = stackalloc double[t.Grid.Dim];
        Span<int> index = stackalloc int[t.Grid.Dim];
        weight[0] = 1;
        index[0] = 0;
        for (int n = 0; n < nodes; n++)
        {
            int depth = t.NodeDepth[n];
            int slot = t.NodeEntry[n];
            double w = weight[depth] * ws.Active.Values[slot];
            int idx = index[depth] + ws.Active.Positions[slot] * t.NodeStride[n];
            if (depth < last)
            {
                weight[depth + 1] = w;
                index[depth + 1] = idx;
            }
            else if (w != 0)
            {
                int p = LeafRow(t, t.NodeOffset[n], idx);
                if (p < 0) continue;
                int row = p * outputs;
                for (int o = 0; o < outputs; o++) target[row + o] += w * r[o];
            }
        }
    }

    // The row of a trie leaf's point: offset + local for a full subspace; a partial one's leaf offset is -(s + 1) and
    // its row comes from the grid's point-set lookup (-1: absent).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LeafRow(SubspaceWalk t, int offset, int local) => offset >= 0 ? offset + local : t.Grid.PointRow(-offset - 1, local);

    private static void AddScaled<T>(T[] alpha, int idx, int outputs, double w, Span<double> acc) where T : unmanaged, IFloatingPoint<T>
    {
        int row = idx * outputs;
        for (int o = 0; o < outputs; o++) acc[o] += w * double.CreateTruncating(alpha[row + o]);
    }
}
