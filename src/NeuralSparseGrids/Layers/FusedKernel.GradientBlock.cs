using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// Largest padded dL/dC block (bytes) a worker accumulates in its own buffer (<see cref="GradientBlock"/>); a
    /// subspace with more points (only very deep levels in one or two dimensions) is updated in dL/dC directly.
    /// </summary>
    internal const int GradientBlockMaxBytes = 256 * 1024;

    /// <summary>
    /// Where the backward rows add w_b g[b]: nowhere (dL/dC not wanted), straight into the caller's dL/dC rows
    /// (stride o, masked or element-wise tails), or into the worker's padded block (<see cref="GradientBlock"/>,
    /// stride <see cref="RowTiles.Stride"/>, whole tiles). The JIT specialises the row loops per type.
    /// </summary>
    private interface IGradientTarget
    {
        static abstract bool Write { get; }
        static abstract bool Padded { get; }
    }

    private struct NoGradient : IGradientTarget
    {
        public static bool Write => false;
        public static bool Padded => false;
    }

    private struct DirectGradient : IGradientTarget
    {
        public static bool Write => true;
        public static bool Padded => false;
    }

    private struct PaddedGradient : IGradientTarget
    {
        public static bool Write => true;
        public static bool Padded => true;
    }

    /// <summary>
    /// A worker's dL/dC accumulator for the subspace at hand: one 64-byte aligned row of <see cref="RowTiles.Stride"/>
    /// elements per point of the subspace, written back to the caller's dL/dC (stride o) once the subspace is done.
    /// </summary>
    /// <remarks>
    /// Why: dL/dC rows of o = 10 floats are 40 bytes apart, so the masked 64-byte read-modify-write of one sample's
    /// row overlaps the rows next to it. Samples hit a subspace's rows in random order, so a load often follows,
    /// within a few samples, a masked store to an overlapping address; the CPU cannot forward a masked store's data
    /// and the load waits until that store has left the core (perf put about a fifth of the backward pass's samples
    /// on those two loads). In a padded block every row is its own aligned vector: loads and stores never partly
    /// overlap, and tails need no masks. The write-back is then a sequential pass of stores, which no load waits on;
    /// adding to an existing .grad reads all of the block's rows first and writes them afterwards, for the same
    /// reason.
    /// </remarks>
    private sealed class GradientBlock : IDisposable
    {
        private readonly AlignedBuffer _buffer;

        private GradientBlock(int rows, int stride)
        {
            Rows = rows;
            Stride = stride;
            _buffer = new AlignedBuffer((long)rows * stride);
        }

        /// <summary>Rows the block holds (the largest subspace it serves).</summary>
        public int Rows { get; }

        /// <summary>Elements per row (the padded stride).</summary>
        public int Stride { get; }

        /// <summary>(Rows, Stride), 64-byte aligned.</summary>
        public T* Data => _buffer.Data;

        /// <summary>
        /// A block for subspaces of up to <paramref name="largestSubspace"/> points, or null where <see cref="RowsFor"/>
        /// says none.
        /// </summary>
        public static GradientBlock? For(int largestSubspace, RowTiles rows)
        {
            int count = RowsFor(largestSubspace, rows);
            return count == 0 ? null : new GradientBlock(count, rows.Stride);
        }

        /// <summary>
        /// Rows of the block a worker gets for a grid whose largest subspace has <paramref name="largestSubspace"/>
        /// points: 0 (no block) when rows are not vectorised, else as many as fit <see cref="GradientBlockMaxBytes"/>
        /// (the blocks of larger subspaces are then updated in place; smaller ones still use the block).
        /// </summary>
        public static int RowsFor(int largestSubspace, RowTiles rows) =>
            !rows.Vectorized ? 0 : (int)Math.Min(largestSubspace, GradientBlockMaxBytes / (rows.Stride * sizeof(T)));

        /// <summary>Zeroes the first <paramref name="rows"/> rows for the next subspace.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Clear(int rows) => _buffer.Span(rows * Stride).Clear();

        /// <summary>
        /// Writes rows [0, count) into dL/dC rows gc + p o (count rows of o elements, the subspace's block): overwrites
        /// them, or with <paramref name="accumulate"/> adds them to what gc holds. Whole tiles where they stay inside
        /// the block (tails masked on AVX-512; without it a tile's padding lanes land on the next row, which is written
        /// after it, or, on the block's last rows, element by element).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void WriteBack(T* gc, int count, RowTiles rows, bool accumulate)
        {
            if (rows.Wide) WriteBack<Lanes512, System.Runtime.Intrinsics.Vector512<T>>(gc, count, rows, accumulate);
            else WriteBack<LanesNative, System.Numerics.Vector<T>>(gc, count, rows, accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void WriteBack<TL, TV>(T* gc, int count, RowTiles rows, bool accumulate) where TL : struct, ILanes<TV> where TV : struct
        {
            int o = rows.O, stride = Stride, last = (rows.Tiles - 1) * TL.Count;
            var mask = TL.TailMask(rows.Tail);
            // Rows from here on are written element by element where tails are whole (they would reach past the block).
            long room = (long)count * o - stride;
            int wholeRows = TL.MaskedTail ? count : room < 0 ? 0 : (int)Math.Min(count, room / o + 1);
            if (accumulate)
            {
                // All reads first (see the remarks): block row += dL/dC row.
                for (int p = 0; p < wholeRows; p++)
                {
                    T* from = gc + (long)p * o, to = Data + (long)p * stride;
                    for (int k = 0; k < last; k += TL.Count) TL.Store(TL.Add(TL.Load(to + k), TL.Load(from + k)), to + k);
                    TL.Store(TL.Add(TL.Load(to + last), TL.LoadTail(from + last, mask)), to + last);
                }
                for (int p = wholeRows; p < count; p++)
                    for (int k = 0; k < o; k++) Data[(long)p * stride + k] += gc[(long)p * o + k];
            }
            for (int p = 0; p < wholeRows; p++)
            {
                T* from = Data + (long)p * stride, to = gc + (long)p * o;
                for (int k = 0; k < last; k += TL.Count) TL.Store(TL.Load(from + k), to + k);
                TL.StoreTail(TL.Load(from + last), to + last, mask);
            }
            for (int p = wholeRows; p < count; p++)
                for (int k = 0; k < o; k++) gc[(long)p * o + k] = Data[(long)p * stride + k];
        }

        public void Dispose() => _buffer.Dispose();
    }
}
