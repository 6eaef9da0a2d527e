namespace NeuralSparseGrids.Grids;

/// <summary>
/// The active one-dimensional functions of one sample: for every (dimension j, level l) entry
/// e = j * L + (l - MinLevel) (<see cref="SparseGrid.LevelEntries"/>) the local positions, values and derivatives of
/// the up to <see cref="Basis1D.MaxActive"/> functions that may be non-zero there, at e * MaxActive + a,
/// a &lt; <see cref="Counts"/>[e], as <see cref="Basis1D.Active"/> returns them. Allocated once per thread and
/// refilled for every sample.
/// </summary>
internal sealed class ActiveFunctions
{
    /// <summary>Slots per (dimension, level) entry.</summary>
    public const int Width = Basis1D.MaxActive;

    public ActiveFunctions(SparseGrid grid)
    {
        Grid = grid;
        int entries = grid.Dim * grid.LevelCount;
        Counts = new int[entries];
        Positions = new int[entries * Width];
        Values = new double[entries * Width];
        Derivatives = new double[entries * Width];
    }

    public SparseGrid Grid { get; }

    /// <summary>(d * L): number of active functions of each entry.</summary>
    public int[] Counts { get; }

    /// <summary>(d * L * Width): local positions k.</summary>
    public int[] Positions { get; }

    /// <summary>(d * L * Width): values phi(x_j).</summary>
    public double[] Values { get; }

    /// <summary>(d * L * Width): derivatives d phi / d x_j of the evaluated piece.</summary>
    public double[] Derivatives { get; }

    /// <summary>
    /// Fills the entries for the sample <paramref name="x"/> (length d; clamped into [0, 1]). With
    /// <paramref name="zeroDerivativeOutside"/>, a coordinate outside [0, 1] gets derivative 0 (the layer's convention
    /// for clamped inputs); the evaluator keeps the derivative of the clamped point.
    /// </summary>
    public void Fill(ReadOnlySpan<double> x, bool zeroDerivativeOutside = false)
    {
        for (int j = 0; j < Grid.Dim; j++) FillDimension(j, x[j], zeroDerivativeOutside);
    }

    /// <summary>Fills the entries of dimension <paramref name="j"/> (every level) for coordinate <paramref name="xj"/>.</summary>
    public void FillDimension(int j, double xj, bool zeroDerivativeOutside = false)
    {
        if (double.IsNaN(xj)) throw new ArgumentException("Evaluation points must not contain NaN.", nameof(xj));
        var g = Grid;
        bool outside = zeroDerivativeOutside && (xj < 0 || xj > 1);
        for (int l = 0; l < g.LevelCount; l++)
        {
            int e = j * g.LevelCount + l;
            int count = Basis1D.Active(g.Type, l + g.MinLevel, xj, Positions.AsSpan(e * Width, Width), Values.AsSpan(e * Width, Width), Derivatives.AsSpan(e * Width, Width));
            Counts[e] = count;
            if (outside) Derivatives.AsSpan(e * Width, count).Clear();
        }
    }
}
