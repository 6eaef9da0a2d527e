using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The indices of a score array by descending score, ties by ascending index, NaNs last: the order in which a
/// refinement step takes its candidates, handed out one at a time from a binary heap.
/// </summary>
/// <remarks>
/// Why a heap and not a sort: a step stops after a few candidates (its refinement count, or a full budget), while a
/// point step scores every point (321 in the swiss roll's target setup). Building the heap is O(n) and each index
/// O(log n); a full sort with a comparison delegate took about 20 us there, and Array.Sort's two-array overload ran
/// as unoptimised code (a run sorts a handful of times, too few for tiered compilation), which was slower still.
/// </remarks>
internal sealed class BestFirstOrder
{
    private readonly double[] _scores;
    private readonly int[] _heap;
    private int _size;

    /// <summary>The order of <paramref name="scores"/> (read, not copied: do not change it while taking indices).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BestFirstOrder(double[] scores)
    {
        _scores = scores;
        _size = scores.Length;
        _heap = new int[_size];
        for (int i = 0; i < _size; i++) _heap[i] = i;
        for (int i = _size / 2 - 1; i >= 0; i--) SiftDown(i);
    }

    /// <summary>Takes the next index in the order; false once all were taken.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryNext(out int index)
    {
        if (_size == 0)
        {
            index = -1;
            return false;
        }
        index = _heap[0];
        _heap[0] = _heap[--_size];
        SiftDown(0);
        return true;
    }

    /// <summary>All indices of <paramref name="scores"/> in the order.</summary>
    public static int[] All(double[] scores)
    {
        var order = new BestFirstOrder(scores);
        var all = new int[scores.Length];
        for (int k = 0; order.TryNext(out int i); k++) all[k] = i;
        return all;
    }

    // True if index a comes before index b: the larger score (double.CompareTo: NaN below everything), then the smaller index.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Before(int a, int b)
    {
        int c = _scores[a].CompareTo(_scores[b]);
        return c != 0 ? c > 0 : a < b;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SiftDown(int at)
    {
        int item = _heap[at];
        while (true)
        {
            int child = 2 * at + 1;
            if (child >= _size) break;
            if (child + 1 < _size && Before(_heap[child + 1], _heap[child])) child++;
            if (!Before(_heap[child], item)) break;
            _heap[at] = _heap[child];
            at = child;
        }
        _heap[at] = item;
    }
}
