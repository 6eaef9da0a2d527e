namespace NeuralSparseGrids.Grids;

/// <summary>
/// One-dimensional hierarchization stencil of a pole (a line of grid points along one dimension) holding levels
/// MinLevel .. MinLevel + levels - 1. Pole-local numbering: level by level, local positions k inside a level.
/// </summary>
/// <remarks>
/// In one dimension the interpolation matrix phi_q(x_p) is unit lower triangular when points are ordered coarse to
/// fine, with one refinement for the global level 1 of V^B(1): its boundary functions 1 - x and x (positions 0, 2)
/// come before the hat at 1/2 (position 1), which is non-zero at neither boundary point. Then
/// alpha_p = v_p - sum_{q before p} phi_q(x_p) alpha_q (hierarchize, in <see cref="Order"/>) and
/// v_p = alpha_p + sum_{q before p} phi_q(x_p) alpha_q (dehierarchize, in reverse order).
/// </remarks>
internal sealed class PoleStencil
{
    public PoleStencil(GridType type, int levels)
    {
        int min = Basis1D.MinLevel(type);
        LevelStart = new int[levels + 1];
        for (int t = 0; t < levels; t++) LevelStart[t + 1] = LevelStart[t] + Basis1D.Count(type, min + t);
        Length = LevelStart[levels];
        Order = new int[Length];
        int n = 0;
        for (int t = 0; t < levels; t++)
        {
            int l = min + t, count = Basis1D.Count(type, l);
            if (l == 1 && type == GridType.LinearExtendedBoundary)
            {
                Order[n++] = LevelStart[t];
                Order[n++] = LevelStart[t] + 2;
                Order[n++] = LevelStart[t] + 1;
            }
            else for (int k = 0; k < count; k++) Order[n++] = LevelStart[t] + k;
        }
        var done = new bool[Length];
        var start = new List<int> { 0 };
        var sources = new List<int>();
        var weights = new List<double>();
        Span<int> pos = stackalloc int[Basis1D.MaxActive];
        Span<double> val = stackalloc double[Basis1D.MaxActive];
        Span<double> der = stackalloc double[Basis1D.MaxActive];
        for (int step = 0; step < Length; step++)
        {
            int p = Order[step];
            int tp = LevelOf(p);
            double x = Basis1D.Coordinate(type, min + tp, p - LevelStart[tp]);
            for (int t = 0; t <= tp; t++)
            {
                int c = Basis1D.Active(type, min + t, x, pos, val, der);
                for (int a = 0; a < c; a++)
                {
                    int q = LevelStart[t] + pos[a];
                    if (q == p || val[a] == 0) continue;
                    if (!done[q]) throw new InvalidOperationException($"Hierarchization order broken for {type}: function {q} is non-zero at point {p} but comes later.");
                    sources.Add(q);
                    weights.Add(val[a]);
                }
            }
            done[p] = true;
            start.Add(sources.Count);
        }
        StencilStart = start.ToArray();
        Sources = sources.ToArray();
        Weights = weights.ToArray();
    }

    /// <summary>Number of points in the pole.</summary>
    public int Length { get; }

    /// <summary>First pole-local index of each level (length levels + 1).</summary>
    public int[] LevelStart { get; }

    /// <summary>Processing order for hierarchization (coarse to fine).</summary>
    public int[] Order { get; }

    /// <summary>For step s of <see cref="Order"/>, the stencil entries are [StencilStart[s], StencilStart[s + 1]).</summary>
    public int[] StencilStart { get; }

    /// <summary>Pole-local index of the coarser function of each stencil entry.</summary>
    public int[] Sources { get; }

    /// <summary>phi_q(x_p) of each stencil entry.</summary>
    public double[] Weights { get; }

    private int LevelOf(int p)
    {
        int t = 0;
        while (LevelStart[t + 1] <= p) t++;
        return t;
    }

    /// <summary>Hierarchizes the pole values in place; <paramref name="values"/> is (Length, outputs) row-major.</summary>
    public void Hierarchize(Span<double> values, int outputs)
    {
        for (int step = 0; step < Length; step++)
        {
            int p = Order[step] * outputs;
            for (int e = StencilStart[step]; e < StencilStart[step + 1]; e++)
            {
                int q = Sources[e] * outputs;
                double w = Weights[e];
                for (int o = 0; o < outputs; o++) values[p + o] -= w * values[q + o];
            }
        }
    }

    /// <summary>Dehierarchizes the pole surpluses in place; <paramref name="values"/> is (Length, outputs) row-major.</summary>
    public void Dehierarchize(Span<double> values, int outputs)
    {
        for (int step = Length - 1; step >= 0; step--)
        {
            int p = Order[step] * outputs;
            for (int e = StencilStart[step]; e < StencilStart[step + 1]; e++)
            {
                int q = Sources[e] * outputs;
                double w = Weights[e];
                for (int o = 0; o < outputs; o++) values[p + o] += w * values[q + o];
            }
        }
    }
}
