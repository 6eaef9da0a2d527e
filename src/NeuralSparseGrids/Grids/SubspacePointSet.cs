using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// The points a partial subspace holds (spatially adaptive grids): a set of local indices
/// (<c>sum_j k_j * Stride(s, j)</c>, the subspace's full row-major numbering) stored as a bitmap with a rank table,
/// so <see cref="Rank"/> (local index -> position among the present points, or -1) is O(1): one bit test and one
/// population count. The present points are numbered in ascending local order.
/// </summary>
public sealed class SubspacePointSet
{
    private readonly ulong[] _bits;     // bit (local & 63) of word (local >> 6)
    private readonly int[] _rankBefore; // per word: present points in the words before it
    private readonly int[] _locals;     // the present local indices, ascending

    /// <summary>Creates the set of <paramref name="locals"/> (distinct, each in [0, <paramref name="size"/>)) out of a subspace of <paramref name="size"/> points.</summary>
    public SubspacePointSet(int size, IEnumerable<int> locals)
        : this(size, Bitmap(size, locals))
    {
    }

    /// <summary>The set whose bitmap (bit (local &amp; 63) of word (local &gt;&gt; 6), (size + 63) / 64 words, none set at or past <paramref name="size"/>) is <paramref name="bits"/>, which it keeps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal SubspacePointSet(int size, ulong[] bits)
    {
        Size = size;
        _bits = bits;
        _rankBefore = new int[_bits.Length];
        int count = 0;
        for (int w = 0; w < _bits.Length; w++)
        {
            _rankBefore[w] = count;
            count += BitOperations.PopCount(_bits[w]);
        }
        Count = count;
        _locals = new int[count];
        int n = 0;
        for (int w = 0; w < _bits.Length; w++)
            for (ulong word = _bits[w]; word != 0; word &= word - 1) _locals[n++] = (w << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong[] Bitmap(int size, IEnumerable<int> locals)
    {
        ArgumentNullException.ThrowIfNull(locals);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "A subspace has at least one point.");
        var bits = new ulong[(size + 63) >> 6];
        foreach (int k in locals)
        {
            if (k < 0 || k >= size) throw new ArgumentOutOfRangeException(nameof(locals), k, $"Local index {k} is outside the subspace's {size} points.");
            ulong bit = 1UL << (k & 63);
            if ((bits[k >> 6] & bit) != 0) throw new ArgumentException($"Local index {k} appears twice.", nameof(locals));
            bits[k >> 6] |= bit;
        }
        return bits;
    }

    /// <summary>A copy of the bitmap (see the bitmap constructor), for a builder that changes it.</summary>
    internal ulong[] CopyBits() => (ulong[])_bits.Clone();

    /// <summary>Points of the full subspace.</summary>
    public int Size { get; }

    /// <summary>Points present (at least 1 in a grid).</summary>
    public int Count { get; }

    /// <summary>True when every point of the subspace is present.</summary>
    public bool IsFull => Count == Size;

    /// <summary>The present local indices, ascending (position r holds the local index of the r-th present point).</summary>
    public ReadOnlySpan<int> Locals => _locals;

    /// <summary>True when local index <paramref name="local"/> is present.</summary>
    public bool Contains(int local) => (uint)local < (uint)Size && (_bits[local >> 6] & (1UL << (local & 63))) != 0;

    /// <summary>Position of local index <paramref name="local"/> (in [0, Size)) among the present points, or -1 when absent. O(1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(int local)
    {
        // Branch-free: whether a sample's point is present is data dependent (a kernel's lookup step mispredicts
        // a branch here for about every absent point).
        // The JIT keeps branches inside loops, so the choice is arithmetic: present - 1 is 0 or all ones.
        ulong word = _bits[local >> 6];
        int present = (int)(word >> (local & 63)) & 1;
        int rank = _rankBefore[local >> 6] + BitOperations.PopCount(word & ((1UL << (local & 63)) - 1));
        return rank | (present - 1);
    }
}
