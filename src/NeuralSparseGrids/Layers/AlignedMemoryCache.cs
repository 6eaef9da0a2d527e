using System.Runtime.InteropServices;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// 64-byte aligned native scratch for the fused kernel, kept per thread between calls instead of freed.
/// </summary>
/// <remarks>
/// Why: the kernel's per-call buffers (accumulators, the padded upstream copy, the dL/dC block) are small, but
/// allocating and freeing them with aligned <c>malloc</c> on every call, between the 5.7 MB gradients libtorch
/// allocates and frees each step (d = 8, n = 7, 10 outputs), left glibc's heap in a state where it kept returning the
/// gradient's pages to the system: the next step page-faulted all 5.7 MB again, and on this virtual machine such a
/// step took about 17 ms instead of 2 (`kernel-profile`, one step in four or five, against the first two steps only
/// with pooled managed buffers). A kernel worker creates and disposes its buffers on the thread that runs it
/// (<see cref="Grids.ParallelChunks"/>' per-worker init and finish), so a few cached blocks per thread serve every
/// call. A thread keeps at most eight blocks (a backward call's calling thread holds five at once: the
/// upstream copy, and its worker's active-function table, accumulators, term rows and dL/dC block) of at most
/// 16 MiB each for its lifetime; larger ones (huge batches) are freed.
/// </remarks>
internal static unsafe class AlignedMemoryCache
{
    private const int PerThread = 8;
    private const nuint LargestKept = 16 << 20;

    [ThreadStatic] private static List<(nint Pointer, nuint Bytes)>? _free;

    /// <summary>At least <paramref name="bytes"/> bytes, 64-byte aligned; give them back with <see cref="Return"/>.</summary>
    public static (nint Pointer, nuint Bytes) Rent(nuint bytes)
    {
        var free = _free;
        if (free is not null)
        {
            // The smallest cached block that fits.
            int best = -1;
            for (int i = 0; i < free.Count; i++)
                if (free[i].Bytes >= bytes && (best < 0 || free[i].Bytes < free[best].Bytes)) best = i;
            if (best >= 0)
            {
                var block = free[best];
                free.RemoveAt(best);
                return block;
            }
        }
        nuint size = Math.Max(bytes, 64);
        return ((nint)NativeMemory.AlignedAlloc(size, 64), size);
    }

    /// <summary>Keeps the block for this thread's next <see cref="Rent"/> (the largest few), or frees it.</summary>
    public static void Return((nint Pointer, nuint Bytes) block)
    {
        if (block.Pointer == 0) return;
        if (block.Bytes > LargestKept)
        {
            NativeMemory.AlignedFree((void*)block.Pointer);
            return;
        }
        var free = _free ??= new List<(nint, nuint)>(PerThread + 1);
        free.Add(block);
        if (free.Count <= PerThread) return;
        int smallest = 0;
        for (int i = 1; i < free.Count; i++)
            if (free[i].Bytes < free[smallest].Bytes) smallest = i;
        NativeMemory.AlignedFree((void*)free[smallest].Pointer);
        free.RemoveAt(smallest);
    }
}
