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
        // Filled on the calling thread: each kernel worker fills its own table (Worker.Table says why).
        // needed: per entry j * L + level slot, false where no subspace the caller visits uses that level in that
        // dimension, so hat grids skip its row (null: every entry). derivatives: false when the caller reads only
        // positions and values (Der is left unfilled; hat grids only). coordinates: h clamped and transposed, shared
        // by the tables of one call (hat grids; null: made here).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SampleActiveFunctions(SparseGrid t, nint h, int n, bool[]? needed = null, bool derivatives = true,
            ClampedCoordinates? coordinates = null)
        {
            N = n;
            int e = t.Dim * t.LevelCount, w = ActiveFunctions.Width;
            long rows = checked((long)e * w * n);
            _parts = new AlignedParts((long)e * n, rows * sizeof(int), rows * sizeof(T), rows * sizeof(T));
            Count = _parts.Part<byte>(0);
            Pos = _parts.Part<int>(1);
            Val = _parts.Part<T>(2);
            Der = _parts.Part<T>(3);
            if (!t.HasGlobalLevels)
            {
                // One (dimension, level) row at a time: sample index fastest, vectorised, no per-sample dispatch.
                using var own = coordinates is null ? new ClampedCoordinates(t.Dim, (T*)h, n) : null;
                var x = coordinates ?? own!;
                for (int entry = 0; entry < e; entry++)
                    if (needed is null || needed[entry]) FillHatRow(t, entry, x, derivatives);
                return;
            }
            var active = new ActiveFunctions(t);
            for (int b = 0; b < n; b++)
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
        }

        /// <summary>
        /// Grids without global levels: one (dimension, level) row for every sample, sample index fastest, from
        /// <see cref="Basis1D.HatPieces"/>; coordinates outside [0, 1] are clamped and get derivative 0.
        /// </summary>
        private void FillHatRow(SparseGrid t, int entry, ClampedCoordinates x, bool derivatives)
        {
            int n = N, j = entry / t.LevelCount, l = entry % t.LevelCount + t.MinLevel;
            if (Basis1D.IsGlobalLevel(t.Type, l)) return;   // a level no subspace of this grid uses
            int row = checked(entry * ActiveFunctions.Width * n);
            new Span<byte>(Count + (long)entry * n, n).Fill(1);
            var der = derivatives ? new Span<T>(Der + row, n) : default;
            Basis1D.HatPieces(t.Type, l, x.Dimension(j), new Span<int>(Pos + row, n), new Span<T>(Val + row, n), der);
            if (!derivatives) return;
            foreach (int b in x.Outside(j)) der[b] *= T.Zero;   // as dv * 0: the sign of the zero kept
        }

        private readonly AlignedParts _parts;

        public int N { get; }

        public void Dispose() => _parts.Dispose();

        // Each table starts on a cache line (AlignedParts), so the rows of n samples the term builder and the product
        // rule read a vector at a time are aligned whenever n is a multiple of the vector width.
        public byte* Count { get; }
        public int* Pos { get; }
        public T* Val { get; }
        public T* Der { get; }
    }

    /// <summary>
    /// The samples' coordinates h (n, d) transposed to (d, n) float64 and clamped into [0, 1], as the hat table fill
    /// reads them (one contiguous row per dimension for <see cref="Basis1D.HatPieces"/>), with the samples that were
    /// clamped per dimension (their derivatives are zeroed: the layer's convention for clamped inputs).
    /// </summary>
    /// <remarks>Read-only once made: the workers of a call share one.</remarks>
    private sealed class ClampedCoordinates : IDisposable
    {
        private readonly double[] _x;
        private readonly int[] _outside;       // per dimension: the clamped samples, ascending, at j * n ..
        private readonly int[] _outsideCount;
        private readonly int _n;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ClampedCoordinates(int d, T* h, int n)
        {
            _n = n;
            _x = ArrayPool<double>.Shared.Rent(checked(d * n));
            _outside = ArrayPool<int>.Shared.Rent(checked(d * n));
            _outsideCount = new int[d];
            for (int j = 0; j < d; j++)
            {
                int count = 0, at = j * n;
                for (int b = 0; b < n; b++)
                {
                    double x = double.CreateTruncating(h[(long)b * d + j]);
                    if (x < 0) { x = 0; _outside[at + count++] = b; }
                    else if (x > 1) { x = 1; _outside[at + count++] = b; }
                    _x[at + b] = x;
                }
                _outsideCount[j] = count;
            }
        }

        /// <summary>Dimension j's clamped coordinates (n).</summary>
        public ReadOnlySpan<double> Dimension(int j) => _x.AsSpan(j * _n, _n);

        /// <summary>The samples whose coordinate j was outside [0, 1].</summary>
        public ReadOnlySpan<int> Outside(int j) => _outside.AsSpan(j * _n, _outsideCount[j]);

        public void Dispose()
        {
            ArrayPool<double>.Shared.Return(_x);
            ArrayPool<int>.Shared.Return(_outside);
        }
    }

    /// <summary>
    /// Per-thread partial sums added in a fixed order, so results do not depend on which thread ran which chunk.
    /// Serially (one thread) the single worker's sums are added once at the end; in parallel each chunk's sums are
    /// moved out of the worker when the chunk ends and added in chunk order (workers take chunks
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
        public void EndChunk(int chunk, AlignedBuffer acc)
        {
            if (!_parallel || _length == 0) return;
            var mine = ArrayPool<T>.Shared.Rent(_length);
            var sums = acc.Span(_length);
            sums.CopyTo(mine);
            sums.Clear();
            _perChunk[chunk] = mine;
        }

        /// <summary>Serially: keeps the single worker's sums (ParallelChunks runs one worker then, so no lock).</summary>
        public void EndWorker(AlignedBuffer acc)
        {
            if (_parallel || _length == 0) return;
            _serial = ArrayPool<T>.Shared.Rent(_length);
            acc.Span(_length).CopyTo(_serial);
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
    /// subspace at hand: partial point indices and products over the leading dimensions ((d + 1, n), depths
    /// 0 .. <see cref="ValidDepth"/> still those of the current subspace), point index and weight per sample, the
    /// upstream dot product q, and the forward pass's group of terms.
    /// </summary>
    private sealed class Worker : IDisposable
    {
        public Worker(int d, int n, int accLength)
        {
            Acc = new AlignedBuffer(accLength);
            Acc.Span(accLength).Clear();
            SlotStride = SlotStrideFor(n);
            _parts = new AlignedParts((long)n * sizeof(int), (long)n * sizeof(T), (d + 1L) * n * sizeof(int), (d + 1L) * n * sizeof(T),
                (long)GroupTerms * SlotStride * sizeof(int), (long)GroupTerms * SlotStride * sizeof(T), (d + 1L) * n * sizeof(T),
                (long)n * sizeof(long));
            Index = _parts.Part<int>(0);
            Q = _parts.Part<T>(1);
            PartialIndex = _parts.Part<int>(2);
            PartialWeight = _parts.Part<T>(3);
            GroupIndex = _parts.Part<int>(4);
            GroupWeight = _parts.Part<T>(5);
            Adjoint = _parts.Part<T>(6);
            TermMassUnits = _parts.Part<long>(7);
            new Span<T>(Adjoint, (d + 1) * n).Clear();
            NodeEntry = new long[d];
            TermIndex = Index;
            TermWeight = PartialWeight + (long)d * n;
            Choice = new int[d];
            Limit = new int[d];
            Absent = new bool[n];
        }

        /// <summary>Per sample: the current term's point is absent (partial subspaces; valid while <see cref="HasAbsent"/>).</summary>
        public bool[] Absent { get; }

        /// <summary>True when the current term is in a partial subspace and some sample's point is absent.</summary>
        public bool HasAbsent { get; set; }

        /// <summary>
        /// The worker's own active-function table of the call's samples (owned). Each worker fills its own copy on its
        /// own thread: a shared table, filled by one region and read by all, was written each call into lines the
        /// other cores still held from the call before, and the fill took 35-44 us on two threads against 10 us on
        /// one (per pass at d = 8, n = 7, batch 128), as much as the duplicated work costs several times over.
        /// </summary>
        public SampleActiveFunctions? Table { get; init; }

        /// <summary>The accumulator (64-byte aligned, so its padded rows are whole cache lines).</summary>
        public AlignedBuffer Acc { get; }

        // The term's rows (n), each starting on a cache line (AlignedParts): point index and upstream dot product
        // per sample, and the partial indices and products ((d + 1, n)).
        private readonly AlignedParts _parts;
        public int* Index { get; }
        public T* Q { get; }
        public int* PartialIndex { get; }
        public T* PartialWeight { get; }

        /// <summary>
        /// The backward pass's adjoints of the partial products ((d + 1, n)): depth k holds dL/d(partial product over
        /// dimensions 0 .. k-1) summed over the terms below the open node at depth k whose nodes are already closed
        /// (<see cref="CloseNodes"/>); zero at every depth that has no open node.
        /// </summary>
        public T* Adjoint { get; }

        /// <summary>Per dimension k: the table offset of the active function the node at depth k + 1 was built from.</summary>
        public long[] NodeEntry { get; }

        /// <summary>True when the backward pass has a term whose q still awaits its product rule (<see cref="CloseNodes"/>).</summary>
        public bool PendingTerm { get; set; }

        /// <summary>Terms the forward pass keeps before adding their rows (8: 4 and 16 were no faster in C).</summary>
        public const int GroupTerms = 8;

        /// <summary>
        /// The forward pass's kept terms: point indices and weights ((GroupTerms, <see cref="SlotStride"/>) each, n used
        /// per slot), <see cref="GroupCount"/> of them.
        /// </summary>
        public int* GroupIndex { get; }
        public T* GroupWeight { get; }
        public int GroupCount { get; set; }

        /// <summary>
        /// Where the term builder writes a term's point indices and weights (n each): <see cref="Index"/> and depth d of
        /// <see cref="PartialWeight"/>, or a slot of the forward pass's group (<see cref="AimAtGroupSlot"/>).
        /// </summary>
        public int* TermIndex { get; private set; }
        public T* TermWeight { get; private set; }

        /// <summary>Aims the term builder at slot <paramref name="slot"/> of the group.</summary>
        public void AimAtGroupSlot(int slot)
        {
            TermIndex = GroupIndex + (long)slot * SlotStride;
            TermWeight = GroupWeight + (long)slot * SlotStride;
        }

        /// <summary>
        /// Batches of up to this many samples keep the group's slots this far apart, so the forward rows' loop reads
        /// them at constant offsets (<see cref="ForwardRows{TTiles, TL, TV}"/>).
        /// </summary>
        public const int FixedSlotStride = 128;

        /// <summary>Elements from one group slot to the next (<see cref="SlotStrideFor"/>).</summary>
        public int SlotStride { get; }

        /// <summary>The group's slot stride for a batch of n: <see cref="FixedSlotStride"/> up to it, else n.</summary>
        public static int SlotStrideFor(int n) => n <= FixedSlotStride ? FixedSlotStride : n;

        /// <summary>Active function chosen per dimension (the combination of a subspace with global levels; else all 0).</summary>
        public int[] Choice { get; }

        /// <summary>Active functions per dimension of the subspace at hand.</summary>
        public int[] Limit { get; }

        /// <summary>How many depths of PartialIndex / PartialWeight hold the current subspace's values.</summary>
        public int ValidDepth { get; set; }

        /// <summary>The prefetches of the next subspace's blocks, issued a few at a time by the row loops.</summary>
        public SpreadPrefetch Prefetch { get; } = new();

        /// <summary>The backward pass's padded dL/dC block (null in the forward pass or where it is not used); owned.</summary>
        public GradientBlock? Gradient { get; init; }

        /// <summary>
        /// Per grid point, the data mass units the backward pass adds its terms' weights to (<see cref="DataMass"/>;
        /// null when not asked for). Subspaces own disjoint point ranges, so workers never add to the same entry.
        /// </summary>
        public long* MassUnits { get; init; }

        /// <summary>The current term's <see cref="DataMass"/> units per sample (n), converted in vectors before they are added.</summary>
        public long* TermMassUnits { get; }

        public void Dispose()
        {
            Acc.Dispose();
            _parts.Dispose();
            Gradient?.Dispose();
            Table?.Dispose();
        }
    }

    /// <summary>
    /// A 64-byte aligned native buffer of T (from <see cref="AlignedMemoryCache"/>) for the kernel's padded rows (forward accumulators, the upstream copy):
    /// a row of 16 floats is then exactly one cache line, where a pooled array's rows straddle two and every tile
    /// load and store is split in two.
    /// </summary>
    private sealed class AlignedBuffer : IDisposable
    {
        private (nint Pointer, nuint Bytes) _block;

        public AlignedBuffer(long length) => _block = AlignedMemoryCache.Rent((nuint)(Math.Max(length, 1) * sizeof(T)));

        /// <summary>The first element (null once disposed).</summary>
        public T* Data => (T*)_block.Pointer;

        /// <summary>The first <paramref name="length"/> elements.</summary>
        public Span<T> Span(int length) => new(Data, length);

        public void Dispose()
        {
            AlignedMemoryCache.Return(_block);
            _block = default;
        }
    }

    /// <summary>
    /// One 64-byte aligned native block (from <see cref="AlignedMemoryCache"/>, so one rent per owner and call) carved
    /// into parts that each start on a cache line: the active-function tables and a worker's term rows, which the
    /// batch-vectorised loops read and write a whole vector at a time. As pooled managed arrays (8-byte aligned) every
    /// 512-bit access to them straddled two cache lines, and a row stored by one dimension's step and loaded by the
    /// next could not be forwarded from the store: the term builder ran several times slower than the same loops in C
    /// (<c>bench/speed-of-light/fused-step.c</c>).
    /// </summary>
    private sealed class AlignedParts : IDisposable
    {
        private (nint Pointer, nuint Bytes) _block;
        private readonly nint[] _starts;

        /// <summary>Parts of the given sizes in bytes, in order.</summary>
        public AlignedParts(params ReadOnlySpan<long> bytes)
        {
            _starts = new nint[bytes.Length];
            long total = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                _starts[i] = (nint)total;
                total = checked(total + ((bytes[i] + 63) & ~63L));
            }
            _block = AlignedMemoryCache.Rent((nuint)Math.Max(total, 64));
            for (int i = 0; i < _starts.Length; i++) _starts[i] += _block.Pointer;
        }

        /// <summary>The first element of part <paramref name="i"/>.</summary>
        public TE* Part<TE>(int i) where TE : unmanaged => (TE*)_starts[i];

        public void Dispose()
        {
            AlignedMemoryCache.Return(_block);
            _block = default;
        }
    }

    /// <summary>
    /// Software prefetches of up to two memory ranges (the next subspace's coefficient and dL/dC blocks). The backward
    /// pass issues them a few cache lines per <see cref="Samples"/> samples of the current subspace instead of all at
    /// once: a burst of 80 or so prefetches fills the core's miss buffers and the pipeline stalls until they drain (perf
    /// put about a tenth of a two-thread step on the instructions right after such bursts). The forward pass, with half
    /// the lines and less work per sample to hide them behind, issues its 40 at once (<see cref="Drain"/>).
    /// </summary>
    private sealed class SpreadPrefetch
    {
        /// <summary>Samples per <see cref="Step"/> call (a power of two).</summary>
        public const int Samples = 8;

        private byte* _a, _aEnd, _b, _bEnd;
        private int _linesPerStep;

        /// <summary>Replaces what is still pending with [a, a + aBytes) and [b, b + bBytes), spread over the rows of n samples.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Arm(byte* a, long aBytes, byte* b, long bBytes, int n)
        {
            if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
            _a = a;
            _aEnd = a + aBytes;
            _b = b;
            _bEnd = b + bBytes;
            long lines = (aBytes + 63) / 64 + (bBytes + 63) / 64, steps = Math.Max(1, n / Samples);
            _linesPerStep = (int)((lines + steps - 1) / steps);
        }

        /// <summary>Issues every pending prefetch now.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Drain()
        {
            for (; _a < _aEnd; _a += 64) System.Runtime.Intrinsics.X86.Sse.Prefetch0(_a);
            for (; _b < _bEnd; _b += 64) System.Runtime.Intrinsics.X86.Sse.Prefetch0(_b);
        }

        /// <summary>Issues the next few prefetches (none once both ranges are done).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step()
        {
            for (int k = 0; k < _linesPerStep; k++)
            {
                if (_a < _aEnd) { System.Runtime.Intrinsics.X86.Sse.Prefetch0(_a); _a += 64; }
                else if (_b < _bEnd) { System.Runtime.Intrinsics.X86.Sse.Prefetch0(_b); _b += 64; }
                else return;
            }
        }
    }
}
