using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

public sealed partial class SparseGrid
{
    // Open-addressing hash table of the level vectors: slot -> subspace number + 1 (0: empty), a power of two at
    // least twice the subspace count. Built on first use; a plain int array, so a lookup touches two small arrays
    // and allocates nothing (refinement steps look up level vectors thousands of times, rarely on a warm cache).
    private int[]? _subspaceSlots;

    /// <summary>Index of the subspace with the given levels (length d), or -1. O(1) (a hash table built on first use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int FindSubspace(ReadOnlySpan<int> levels)
    {
        if (levels.Length != Dim) return -1;
        var slots = _subspaceSlots ??= SubspaceSlots();
        int mask = slots.Length - 1;
        for (int slot = LevelHash(levels) & mask; ; slot = (slot + 1) & mask)
        {
            int s = slots[slot] - 1;
            if (s < 0) return -1;
            if (levels.SequenceEqual(_levels.AsSpan(s * Dim, Dim))) return s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] SubspaceSlots()
    {
        int size = 8;
        while (size < 2 * SubspaceCount) size <<= 1;
        var slots = new int[size];
        for (int s = 0; s < SubspaceCount; s++)
        {
            int slot = LevelHash(_levels.AsSpan(s * Dim, Dim)) & (size - 1);
            while (slots[slot] != 0) slot = (slot + 1) & (size - 1);
            slots[slot] = s + 1;
        }
        return slots;
    }

    /// <summary>Sorts <paramref name="vectors"/> by <see cref="CompareBySumThenLexicographic(int[], int[])"/> (an insertion sort: a step sorts a few).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SortBySumThenLexicographic(List<int[]> vectors)
    {
        for (int a = 1; a < vectors.Count; a++)
            for (int b = a; b > 0 && CompareBySumThenLexicographic(vectors[b - 1].AsSpan(), vectors[b].AsSpan()) > 0; b--)
                (vectors[b - 1], vectors[b]) = (vectors[b], vectors[b - 1]);
    }

    // Levels are at most 31: a polynomial in 37 spreads them, the multiplicative step mixes the low bits the mask keeps.
    private static int LevelHash(ReadOnlySpan<int> levels)
    {
        uint h = 0;
        foreach (int l in levels) h = h * 37 + (uint)l;
        return (int)((h * 0x9E3779B1u) >> 7);
    }

    /// <summary>
    /// The order of new subspaces everywhere (regular grids, refinement candidates, added subspaces): by |l|_1, then
    /// lexicographically (level vectors of one length; distinct vectors never compare equal).
    /// </summary>
    internal static int CompareBySumThenLexicographic(int[] a, int[] b) => CompareBySumThenLexicographic(a.AsSpan(), b.AsSpan());

    /// <inheritdoc cref="CompareBySumThenLexicographic(int[], int[])"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int CompareBySumThenLexicographic(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int sa = 0, sb = 0;
        foreach (int l in a) sa += l;
        foreach (int l in b) sb += l;
        return sa != sb ? sa.CompareTo(sb) : a.SequenceCompareTo(b);
    }
}
