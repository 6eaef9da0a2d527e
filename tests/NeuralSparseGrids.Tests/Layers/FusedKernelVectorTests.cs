using System.Numerics;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Tests.Grids;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>
/// The fused kernel's vector path (row tiles, batch-vectorised terms and product rule) against its scalar fallback:
/// the same sums to rounding for every grid type and kind, both dtypes, batch sizes below, at and off the lane count,
/// outputs below, at and off it, serial and parallel; plus the read-ahead past a coefficient row (masked, so an Inf
/// in a row no sample uses cannot reach dL/dh).
/// </summary>
public sealed class FusedKernelVectorTests
{
    public static IEnumerable<object[]> Grids()
    {
        foreach (var type in Enum.GetValues<GridType>())
        {
            yield return [type, "regular"];
            yield return [type, "anisotropic"];
            yield return [type, "subspace set"];
        }
        yield return [GridType.Linear, "downward closed"];
        // 126 subspaces: the forward pass's chunks hold 8 or more, so its full groups of terms (written out for one
        // masked row tile) run, not only the partial groups of the small grids above.
        yield return [GridType.Linear, "many subspaces"];
        yield return [GridType.ModifiedLinear, "many subspaces"];
    }

    [Theory]
    [MemberData(nameof(Grids))]
    public void VectorPathAgreesWithScalarFallbackInDoublePrecision(GridType type, string kind)
    {
        var grid = Grid(type, kind);
        foreach (int n in BatchSizes(Vector<double>.Count))
            foreach (int o in OutputCounts(Vector<double>.Count, System.Runtime.Intrinsics.Vector512<double>.Count))
                foreach (int threads in new[] { 1, 2 })
                    Compare<double>(grid, n, o, threads, seed: n * 31 + o, tolerance: 1e-12);
    }

    [Theory]
    [MemberData(nameof(Grids))]
    public void VectorPathAgreesWithScalarFallbackInSinglePrecision(GridType type, string kind)
    {
        var grid = Grid(type, kind);
        foreach (int n in BatchSizes(Vector<float>.Count))
            foreach (int o in OutputCounts(Vector<float>.Count, System.Runtime.Intrinsics.Vector512<float>.Count))
                Compare<float>(grid, n, o, threads: 2, seed: n * 17 + o, tolerance: 2e-5);
    }

    [Fact]
    public unsafe void InfiniteCoefficientsInRowsNoSampleUsesDoNotReachTheGradients()
    {
        // d = 1, level 3: the sample x = 0.3 uses one point per level; o = 3 is below the lane count, so the row
        // tiles read the following rows too. Every other row holds +Inf.
        var grid = SparseGrid.Create(1, 3, GridType.Linear);
        int o = 3, points = (int)grid.PointCount;
        var used = new HashSet<int>();
        var x = new[] { 0.3 };
        for (int p = 0; p < points; p++)
            if (grid.BasisValue(p, x) != 0) used.Add(p);
        var c = new double[points * o];
        var rng = new Random(3);
        for (int p = 0; p < points; p++)
            for (int k = 0; k < o; k++) c[p * o + k] = used.Contains(p) ? rng.NextDouble() : double.PositiveInfinity;
        var g = new[] { 0.5, -1.0, 2.0 };
        foreach (bool vectorize in new[] { true, false })
        {
            var output = new double[o];
            var gh = new double[1];
            var gc = new double[points * o];
            fixed (double* ph = x, pc = c, pg = g, po = output, pgh = gh, pgc = gc)
            {
                FusedKernel<double>.Forward(grid, (nint)ph, (nint)pc, (nint)po, 1, o, 1, vectorize);
                FusedKernel<double>.Backward(grid, (nint)ph, (nint)pc, (nint)pg, (nint)pgh, (nint)pgc, 1, o, 1, vectorize);
            }
            Assert.All(output, v => Assert.True(double.IsFinite(v)));
            Assert.True(double.IsFinite(gh[0]), $"vectorize {vectorize}: dL/dh = {gh[0]}");
            Assert.All(gc, v => Assert.True(double.IsFinite(v)));
        }
    }

    private static SparseGrid Grid(GridType type, string kind) => kind switch
    {
        "regular" => SparseGrid.Create(3, type == GridType.LinearBoundary ? 3 : 4, type),
        "anisotropic" => SparseGrid.CreateAnisotropic([4, 2, 3], type),
        "subspace set" => GridDescriptionTests.Anisotropic(type, budget: 7),
        "many subspaces" => SparseGrid.Create(4, 6, type),
        _ => SparseGrid.FromDownwardClosedSubspaces(3, GridType.Linear, [[1, 1, 1], [2, 1, 1], [3, 1, 1], [1, 1, 2], [2, 1, 2], [1, 1, 3], [1, 2, 1], [4, 1, 1]]),
    };

    private static int[] BatchSizes(int lanes) => [1, lanes - 1, lanes, lanes + 1, 3 * lanes + 3];

    // Off and at Vector<T>'s lanes, and the 512-bit row tiles' (masked tails) where the CPU has AVX-512: one tile and two.
    private static int[] OutputCounts(int lanes, int wideLanes) =>
        new[] { 1, lanes - 1, lanes, lanes + 2, 2 * lanes + 1, wideLanes / 2 + 1, wideLanes + 2 }.Distinct().ToArray();

    /// <summary>Forward, dL/dh and dL/dC of the vector path and the scalar fallback agree to <paramref name="tolerance"/> (relative to the largest entry).</summary>
    private static unsafe void Compare<T>(SparseGrid grid, int n, int o, int threads, int seed, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = grid.Dim, points = (int)grid.PointCount;
        var rng = new Random(seed);
        // Coordinates include the ends of [0, 1], so the last points of the grid (whose rows are read near the end
        // of the coefficient buffer) are hit.
        var h = Enumerable.Range(0, n * d).Select(i => T.CreateTruncating(i % 5 == 0 ? 1.0 : i % 7 == 0 ? 0.0 : rng.NextDouble())).ToArray();
        var c = Enumerable.Range(0, points * o).Select(_ => T.CreateTruncating(rng.NextDouble() - 0.5)).ToArray();
        var g = Enumerable.Range(0, n * o).Select(_ => T.CreateTruncating(rng.NextDouble() - 0.5)).ToArray();
        var results = new List<(T[] y, T[] gh, T[] gc, long[] mass)>();
        foreach (bool vectorize in new[] { true, false })
        {
            var y = new T[n * o];
            var gh = new T[n * d];
            var gc = new T[points * o];
            var mass = new long[points];
            fixed (T* ph = h, pc = c, pg = g, py = y, pgh = gh, pgc = gc)
            fixed (long* pm = mass)
            {
                FusedKernel<T>.Forward(grid, (nint)ph, (nint)pc, (nint)py, n, o, threads, vectorize);
                FusedKernel<T>.Backward(grid, (nint)ph, (nint)pc, (nint)pg, (nint)pgh, (nint)pgc, n, o, threads, vectorize, massUnits: (nint)pm);
            }
            results.Add((y, gh, gc, mass));
        }
        string where = $"{grid}, n {n}, o {o}, threads {threads}, {typeof(T).Name}";
        AssertClose(results[0].y, results[1].y, tolerance, "forward " + where);
        AssertClose(results[0].gh, results[1].gh, tolerance, "dL/dh " + where);
        AssertClose(results[0].gc, results[1].gc, tolerance, "dL/dC " + where);
        // The data mass units (the vector path converts a term's weights in vectors): the same integers, and, once per
        // batch, within the rounding of a unit per term of the brute-force sum of basis values.
        Assert.Equal(results[1].mass, results[0].mass);
        if (o != 1) return;
        var x = new double[d];
        for (int p = 0; p < points; p++)
        {
            double sum = 0;
            int terms = 0;
            for (int b = 0; b < n; b++)
            {
                for (int j = 0; j < d; j++) x[j] = double.CreateTruncating(h[b * d + j]);
                double value = grid.BasisValue(p, x);
                sum += value;
                terms += value != 0 ? 1 : 0;
            }
            double units = results[0].mass[p] / DataMass.UnitsPerOne;
            Assert.True(Math.Abs(units - sum) <= terms * (1 / DataMass.UnitsPerOne + tolerance * 2), $"mass of point {p}, {where}: {units} vs brute force {sum}");
            Assert.Equal(sum == 0, results[0].mass[p] == 0);
        }
    }

    private static void AssertClose<T>(T[] a, T[] b, double tolerance, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double scale = Math.Max(1, b.Max(v => Math.Abs(double.CreateTruncating(v))));
        for (int i = 0; i < a.Length; i++)
        {
            double diff = Math.Abs(double.CreateTruncating(a[i]) - double.CreateTruncating(b[i]));
            Assert.True(diff <= tolerance * scale, $"{what}: entry {i} differs by {diff} ({a[i]} vs {b[i]})");
        }
    }
}
