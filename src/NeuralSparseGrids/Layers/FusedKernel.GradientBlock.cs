using System.Numerics;
using System.Runtime.InteropServices;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// A worker's accumulator for dL/dC of one subspace: the subspace's rows with the padded stride of
    /// <see cref="RowTiles"/> (whole vector tiles, padding lanes ignored), 64-byte aligned, cleared before the subspace
    /// and written out to the caller's (points, o) buffer after it.
    /// </summary>
    /// <remarks>
    /// Why not add into dL/dC directly: its rows are o elements apart, so with o = 10 and 8-lane tiles a row's second
    /// tile overlaps the next row's first. Samples hit a block's rows in random order, so a load of one row often
    /// meets a store to the row before it that has not reached the cache yet; the CPU cannot forward a store that
    /// only partly covers a load and waits for it, and half the tiles also straddle a cache line. Here rows do not
    /// overlap and a row is one or two whole lines. Blocks above <see cref="MaxRows"/> points (a batch touches few
    /// of their rows, and the scratch would be large) still add in place.
    /// </remarks>
    private sealed class GradientBlock : IDisposable
    {
        /// <summary>Largest block accumulated here: 4,096 rows (256 KiB for 16 float lanes).</summary>
        public const int MaxRows = 4096;

        private readonly int _capacity;

        public GradientBlock(SparseGrid t, int stride)
        {
            Stride = stride;
            _capacity = Capacity(t);
            Rows = (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, _capacity * stride) * (nuint)sizeof(T), 64);
        }

        /// <summary>Rows a worker's block holds for grid t: its largest subspace, at most <see cref="MaxRows"/>.</summary>
        public static int Capacity(SparseGrid t)
        {
            int[] offsets = t.PointOffsets;
            int largest = 0;
            for (int s = 0; s < t.SubspaceCount; s++) largest = Math.Max(largest, offsets[s + 1] - offsets[s]);
            return Math.Min(largest, MaxRows);
        }

        /// <summary>Row r of the block starts at Rows + r Stride.</summary>
        public T* Rows { get; }

        public int Stride { get; }

        /// <summary>True if a block of <paramref name="points"/> rows is accumulated here.</summary>
        public bool Fits(int points) => points <= _capacity;

        /// <summary>Zeroes the first <paramref name="points"/> rows.</summary>
        public void Clear(int points) => new Span<T>(Rows, points * Stride).Clear();

        /// <summary>
        /// Writes the first <paramref name="points"/> rows' o outputs to <paramref name="target"/> (points, o), in
        /// ascending rows with whole tiles: a row's padding lanes land on the start of the next row, which is written
        /// after it; the rows whose tiles would reach past the block are written element by element.
        /// </summary>
        public void CopyTo(T* target, int points, int o)
        {
            if (o == Stride)
            {
                new ReadOnlySpan<T>(Rows, points * o).CopyTo(new Span<T>(target, points * o));
                return;
            }
            int lanes = Vector<T>.Count, p = 0;
            long end = (long)points * o;
            for (; p < points && (long)p * o + Stride <= end; p++)
            {
                T* from = Rows + (long)p * Stride, to = target + (long)p * o;
                for (int k = 0; k < Stride; k += lanes) Vector.Store(Vector.Load(from + k), to + k);
            }
            for (; p < points; p++)
                for (int k = 0; k < o; k++) target[(long)p * o + k] = Rows[(long)p * Stride + k];
        }

        public void Dispose() => NativeMemory.AlignedFree(Rows);
    }

    /// <summary>
    /// Where the backward pass adds dL/dC of the subspace at hand: row of point p at Rows + (p - First) Stride, whole
    /// tiles up to LastFullTile (element offset), element by element beyond. Rows is null if dL/dC is not wanted.
    /// </summary>
    private readonly struct GradientTarget(T* rows, int first, int stride, long lastFullTile, bool inBlock)
    {
        public T* Rows { get; } = rows;
        public int First { get; } = first;
        public int Stride { get; } = stride;
        public long LastFullTile { get; } = lastFullTile;
        public bool InBlock { get; } = inBlock;

        /// <summary>
        /// The worker's <see cref="GradientBlock"/> (cleared) if the subspace's points fit, else the caller's dL/dC
        /// (its block cleared; whole tiles only where they stay inside the block, which this thread owns).
        /// </summary>
        public static GradientTarget For(GradientBlock? block, T* gc, int first, int points, int o, RowTiles rows)
        {
            if (gc == null) return default;
            if (block!.Fits(points))
            {
                block.Clear(points);
                return new GradientTarget(block.Rows, first, block.Stride, rows.Vectorized ? long.MaxValue : -1, inBlock: true);
            }
            long start = (long)first * o, length = (long)points * o;
            new Span<T>(gc + start, checked((int)length)).Clear();
            return new GradientTarget(gc, 0, o, rows.Vectorized ? start + length - rows.Stride : -1, inBlock: false);
        }
    }
}
