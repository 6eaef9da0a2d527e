namespace NeuralSparseGrids.Regression;

/// <summary>
/// Where a density's grid lives in the data's coordinates: the axis-parallel box [Lower, Lower + Width] inside [0, 1]^d,
/// mapped onto the grid's unit cube by T(x) = (x - Lower) / Width. A density f fitted on the mapped rows is, in the
/// data's coordinates, f(T(x)) |det T| = f(T(x)) / prod_j Width_j inside the box and 0 outside, so it integrates to 1
/// over the box whenever f does over the unit cube (change of variables). A box only as large as one class's data gives
/// the same grid level a resolution finer by 1 / Width in every direction where that class lives.
/// </summary>
public sealed class DensityBox
{
    /// <summary>A box with lower corner <paramref name="lower"/> and edge lengths <paramref name="width"/> (each &gt; 0).</summary>
    public DensityBox(double[] lower, double[] width)
    {
        ArgumentNullException.ThrowIfNull(lower);
        ArgumentNullException.ThrowIfNull(width);
        if (lower.Length != width.Length || lower.Length == 0) throw new ArgumentException($"The box needs one lower corner and one width per dimension; got {lower.Length} and {width.Length}.");
        for (int j = 0; j < width.Length; j++)
            if (!(width[j] > 0) || !double.IsFinite(width[j]) || !double.IsFinite(lower[j]))
                throw new ArgumentException($"Box dimension {j}: lower {lower[j]}, width {width[j]}; widths must be finite and > 0.");
        Lower = lower; Width = width;
        double volume = 1;
        foreach (double w in width) volume *= w;
        Volume = volume;
    }

    /// <summary>The unit cube [0, 1]^d (the identity map).</summary>
    public static DensityBox Unit(int dim) => new(new double[dim], Enumerable.Repeat(1.0, dim).ToArray());

    /// <summary>Lower corner per dimension.</summary>
    public double[] Lower { get; }

    /// <summary>Edge length per dimension.</summary>
    public double[] Width { get; }

    /// <summary>Number of dimensions.</summary>
    public int Dim => Lower.Length;

    /// <summary>prod_j Width_j; the map's Jacobian determinant is its inverse.</summary>
    public double Volume { get; }

    /// <summary>Whether this is the unit cube (then the map is the identity).</summary>
    public bool IsUnit => Lower.All(l => l == 0) && Width.All(w => w == 1);

    /// <summary>
    /// The box around <paramref name="rows"/> of <paramref name="x"/> ((rows, dim) row-major in [0, 1]^d): per dimension
    /// [min - margin w, max + margin w] with w = max - min, clipped to [0, 1]. The margin keeps the outermost rows off the
    /// box's faces, where the basis functions of grids without boundary points vanish. A dimension in which all rows
    /// coincide gets width <paramref name="minimumWidth"/> around them (still clipped).
    /// </summary>
    /// <param name="x">Rows (rows, dim) row-major.</param>
    /// <param name="dim">Dimension d.</param>
    /// <param name="rows">Indices of the rows to enclose (at least one).</param>
    /// <param name="margin">Share of each dimension's data range added on both sides (&gt;= 0).</param>
    /// <param name="minimumWidth">Smallest box width per dimension before clipping (&gt; 0).</param>
    public static DensityBox Enclosing(double[] x, int dim, IReadOnlyList<int> rows, double margin, double minimumWidth = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("A box needs at least one row to enclose.", nameof(rows));
        if (!(margin >= 0) || !double.IsFinite(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The box margin must be finite and >= 0.");
        var lower = new double[dim];
        var width = new double[dim];
        for (int j = 0; j < dim; j++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (int i in rows) { min = Math.Min(min, x[i * dim + j]); max = Math.Max(max, x[i * dim + j]); }
            double pad = Math.Max(margin * (max - min), (minimumWidth - (max - min)) / 2);
            double lo = Math.Max(0, min - pad), hi = Math.Min(1, max + pad);
            if (!(hi > lo)) (lo, hi) = (Math.Max(0, Math.Min(lo, 1 - minimumWidth)), Math.Min(1, Math.Max(hi, minimumWidth)));
            lower[j] = lo; width[j] = hi - lo;
        }
        return new DensityBox(lower, width);
    }

    /// <summary>
    /// T(x) of every row of <paramref name="x"/> ((rows, dim) row-major) into <paramref name="mapped"/> (same shape);
    /// returns per row whether it lies in the box (closed). Rows outside are still mapped (coordinates outside [0, 1]).
    /// </summary>
    public bool[] Map(ReadOnlySpan<double> x, Span<double> mapped)
    {
        int d = Dim, rows = x.Length / d;
        if (x.Length != rows * d || mapped.Length != x.Length) throw new ArgumentException($"x must be (rows, {d}) row-major and mapped the same shape; got lengths {x.Length} and {mapped.Length}.");
        var inside = new bool[rows];
        for (int i = 0; i < rows; i++)
        {
            bool isInside = true;
            for (int j = 0; j < d; j++)
            {
                double u = (x[i * d + j] - Lower[j]) / Width[j];
                mapped[i * d + j] = u;
                if (!(u >= 0 && u <= 1)) isInside = false;
            }
            inside[i] = isInside;
        }
        return inside;
    }
}
