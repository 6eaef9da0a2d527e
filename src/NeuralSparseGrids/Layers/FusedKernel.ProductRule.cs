using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// Finishes dL/dh for the nodes deeper than <paramref name="keep"/> of the pending term (reverse mode through
    /// the term builder's partial products): the term's weight is w = prod_j phi_j built as a path of nodes, depth
    /// k + 1 = depth k times phi_k, and consecutive terms share the nodes of their shared leading dimensions. A node's
    /// adjoint A (dL/d its partial product, summed over the terms below it) is known once no later term can pass
    /// through it, when it is closed: dL/dh_k += A phi'_k (partial product at depth k), and its parent's adjoint gets
    /// A phi_k. The leaf's adjoint is the term's q. So per term only the dimensions it does not share with the next
    /// term cost work (3.1 of 8 at d = 8, level 7), where the per-term product rule q phi'_j prod_{m != j} phi_m
    /// touched every dimension and its derivative and value rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CloseNodes(int d, SampleActiveFunctions table, Worker wk, int keep, bool vectorize)
    {
        wk.PendingTerm = false;
        int n = table.N;
        fixed (long* entry = wk.NodeEntry)
        {
            var nodes = new OpenNodes(d, n, keep, entry, table.Val, table.Der, wk.PartialWeight, wk.Q, wk.Adjoint, wk.Acc.Data);
            int b = !vectorize ? 0
                : Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported ? nodes.Blocks<Vector512<T>, Lanes512>()
                : Vector.IsHardwareAccelerated ? nodes.Blocks<Vector<T>, LanesNative>()
                : 0;
            for (; b < n; b++) nodes.Sample(b);
        }
    }

    /// <summary>
    /// The nodes <see cref="CloseNodes"/> closes: dimensions d - 1 down to keep; entry[j] is the table offset of
    /// dimension j's active function, pw the partial products ((d + 1, n)), q the pending term's upstream dot
    /// products, adjoint the open nodes' adjoints ((d + 1, n)), acc dL/dh as (d, n).
    /// </summary>
    private readonly struct OpenNodes(int d, int n, int keep, long* entry, T* val, T* der, T* pw, T* q, T* adjoint, T* acc)
    {
        /// <summary>All whole blocks of TLanes samples, the adjoint carried in a register from the leaf up; returns the first sample left.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Blocks<TV, TLanes>() where TV : struct where TLanes : struct, ILanes<TV>
        {
            int lanes = TLanes.Count, b = 0;
            for (; b <= n - lanes; b += lanes)
            {
                var a = TLanes.Load(q + b);
                for (int j = d - 1; j >= keep; j--)
                {
                    long row = (long)j * n + b, e = entry[j] + b;
                    T* dh = acc + row, up = adjoint + row;
                    TLanes.Store(TLanes.MulAdd(TLanes.Multiply(a, TLanes.Load(pw + row)), TLanes.Load(der + e), TLanes.Load(dh)), dh);
                    var toParent = TLanes.Multiply(a, TLanes.Load(val + e));
                    if (j > keep)
                    {
                        // The parent closes too: its adjoint is complete with this child's share.
                        a = TLanes.Add(TLanes.Load(up), toParent);
                        TLanes.Store(default, up);
                    }
                    else if (j > 0) TLanes.Store(TLanes.Add(TLanes.Load(up), toParent), up);
                }
            }
            return b;
        }

        /// <summary>Sample b element by element (the scalar fallback and the tail of fewer than a block).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Sample(int b)
        {
            T a = q[b];
            for (int j = d - 1; j >= keep; j--)
            {
                long row = (long)j * n + b, e = entry[j] + b;
                acc[row] += a * pw[row] * der[e];
                T toParent = a * val[e];
                if (j > keep)
                {
                    a = adjoint[row] + toParent;
                    adjoint[row] = T.Zero;
                }
                else if (j > 0) adjoint[row] += toParent;
            }
        }
    }
}
