using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// Active functions of all samples, sample index fastest: entry (e * Width + a) * n + b for e = j * L + level slot;
    /// Count[e * n + b] actives.
    /// </summary>
    private sealed class SampleActiveFunctions : IDisposable
    {
        // needed: per entry j * L + level slot, false where no subspace the caller visits uses that level in that
        // dimension, so hat grids skip its row (null: every entry).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SampleActiveFunctions(SparseGrid t, nint h, int n, int threads, bool[]? needed = null)
        {
            N = n;
            int e = t.Dim * t.LevelCount, w = ActiveFunctions.Width;
            Count = ArrayPool<byte>.Shared.Rent(checked(e * n));
            Pos = ArrayPool<int>.Shared.Rent(checked(e * w * n));
            Val = ArrayPool<T>.Shared.Rent(checked(e * w * n));
            Der = ArrayPool<T>.Shared.Rent(checked(e * w * n));
            if (!t.HasGlobalLevels)
            {
                // One (dimension, level) row at a time: sample index fastest, no per-sample dispatch.
                ParallelChunks.For(e, threads, () => 0, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (entry, _) =>
                {
                    if (needed is null || needed[entry]) FillHatRow(t, entry, (T*)h, n);
                }, _ => { });
                return;
            }
            int chunks = Math.Min(n, threads * 4);
            ParallelChunks.For(chunks, threads, () => new ActiveFunctions(t), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, active) =>
            {
                var (b0, b1) = ParallelChunks.Range(chunk, chunks, n);
                for (int b = b0; b < b1; b++)
                {
                    T* x = (T*)h + (long)b * t.Dim;
                    for (int j = 0; j < t.Dim; j++) active.FillDimension(j, double.CreateTruncating(x[j]), zeroDerivativeOutside: true);
                    for (int i = 0; i < e; i++)
                    {
                        int count = active.Counts[i];
                        Count[(long)i * n + b] = (byte)count;
                        for (int a = 0; a < count; a++)
                        {
                            long k = (long)(i * w + a) * n + b;
                            Pos[k] = active.Positions[i * w + a];
                            Val[k] = T.CreateTruncating(active.Values[i * w + a]);
                            Der[k] = T.CreateTruncating(active.Derivatives[i * w + a]);
                        }
                    }
                }
            }, _ => { });
        }

        /// <summary>
        /// Grids without global levels: one (dimension, level) row for every sample, sample index fastest, from
        /// <see cref="Basis1D.HatPiece"/>; coordinates outside [0, 1] are clamped and get derivative 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FillHatRow(SparseGrid t, int entry, T* h, int n)
        {
            int d = t.Dim, j = entry / t.LevelCount, l = entry % t.LevelCount + t.MinLevel;
            var type = t.Type;
            if (Basis1D.IsGlobalLevel(type, l)) return;   // a level no subspace of this grid uses
            long row = (long)entry * ActiveFunctions.Width * n;
            Array.Fill(Count, (byte)1, entry * n, n);
            fixed (int* pos = &Pos[row]) fixed (T* val = &Val[row]) fixed (T* der = &Der[row])
            {
                for (int b = 0; b < n; b++)
                {
                    double x = double.CreateTruncating(h[(long)b * d + j]), ds = 1;
                    if (x < 0) { x = 0; ds = 0; } else if (x > 1) { x = 1; ds = 0; }
                    var (k, v, dv) = Basis1D.HatPiece(type, l, x);
                    pos[b] = k;
                    val[b] = T.CreateTruncating(v);
                    der[b] = T.CreateTruncating(dv * ds);
                }
            }
        }

        public int N { get; }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(Count);
            ArrayPool<int>.Shared.Return(Pos);
            ArrayPool<T>.Shared.Return(Val);
            ArrayPool<T>.Shared.Return(Der);
        }

        public byte[] Count { get; }
        public int[] Pos { get; }
        public T[] Val { get; }
        public T[] Der { get; }
    }

    /// <summary>
    /// Per-thread partial sums added in a fixed order, so results do not depend on which thread ran which chunk.
    /// Serially (one thread) the single worker's sums are added once at the end; in parallel each chunk's sums are
    /// moved out of the worker when the chunk ends and added in chunk order (Parallel.For hands chunks to workers
    /// in whatever order they become free, and float addition is not associative).
    /// </summary>
    private sealed class ChunkSums : IDisposable
    {
        private readonly T[]?[] _perChunk;
        private readonly bool _parallel;
        private readonly int _length;
        private T[]? _serial;

        public ChunkSums(int chunks, int threads, int length)
        {
            _parallel = threads > 1 && chunks > 1;
            _perChunk = new T[]?[_parallel ? chunks : 0];
            _length = length;
        }

        /// <summary>In parallel: moves the worker's sums (length elements) into this chunk's slot and clears them.</summary>
        public void EndChunk(int chunk, T[] acc)
        {
            if (!_parallel || _length == 0) return;
            var mine = ArrayPool<T>.Shared.Rent(_length);
            Array.Copy(acc, mine, _length);
            Array.Clear(acc, 0, _length);
            _perChunk[chunk] = mine;
        }

        /// <summary>Serially: keeps the single worker's sums (ParallelChunks runs one worker then, so no lock).</summary>
        public void EndWorker(T[] acc)
        {
            if (_parallel || _length == 0) return;
            _serial = ArrayPool<T>.Shared.Rent(_length);
            Array.Copy(acc, _serial, _length);
        }

        /// <summary>The sums to add, chunks in index order (the serial worker's alone when serial).</summary>
        public IEnumerable<T[]> InOrder()
        {
            if (_serial != null) yield return _serial;
            foreach (var part in _perChunk)
                if (part != null) yield return part;
        }

        public void Dispose()
        {
            if (_serial != null) ArrayPool<T>.Shared.Return(_serial);
            foreach (var part in _perChunk)
                if (part != null) ArrayPool<T>.Shared.Return(part);
        }
    }

    /// <summary>
    /// Per-thread buffers: the accumulator (forward: (n, row stride); backward: dL/dh as (d, n)) and the terms of the
    /// subspace at hand: partial point indices and products over the trailing dimensions ((d + 1, n), depths
    /// 0 .. <see cref="ValidDepth"/> still those of the current subspace), point index and weight per sample, the
    /// upstream dot product q and the running prefix product of dL/dh.
    /// </summary>
    private sealed class Worker : IDisposable
    {
        public Worker(int d, int n, int accLength)
        {
            Acc = ArrayPool<T>.Shared.Rent(accLength);
            Array.Clear(Acc, 0, accLength);
            Index = ArrayPool<int>.Shared.Rent(n);
            Prefix = ArrayPool<T>.Shared.Rent(n);
            Q = ArrayPool<T>.Shared.Rent(n);
            PartialIndex = ArrayPool<int>.Shared.Rent(checked((d + 1) * n));
            PartialWeight = ArrayPool<T>.Shared.Rent(checked((d + 1) * n));
            Choice = new int[d];
            Limit = new int[d];
            Absent = new bool[n];
        }

        /// <summary>Per sample: the current term's point is absent (partial subspaces; valid while <see cref="HasAbsent"/>).</summary>
        public bool[] Absent { get; }

        /// <summary>True when the current term is in a partial subspace and some sample's point is absent.</summary>
        public bool HasAbsent { get; set; }

        public T[] Acc { get; }
        public int[] Index { get; }
        public T[] Prefix { get; }
        public T[] Q { get; }
        public int[] PartialIndex { get; }
        public T[] PartialWeight { get; }

        /// <summary>Active function chosen per dimension (the combination of a subspace with global levels; else all 0).</summary>
        public int[] Choice { get; }

        /// <summary>Active functions per dimension of the subspace at hand.</summary>
        public int[] Limit { get; }

        /// <summary>How many trailing depths of PartialIndex / PartialWeight hold the current subspace's values.</summary>
        public int ValidDepth { get; set; }

        public void Dispose()
        {
            ArrayPool<T>.Shared.Return(Acc);
            ArrayPool<int>.Shared.Return(Index);
            ArrayPool<T>.Shared.Return(Prefix);
            ArrayPool<T>.Shared.Return(Q);
            ArrayPool<int>.Shared.Return(PartialIndex);
            ArrayPool<T>.Shared.Return(PartialWeight);
        }
    }
}
