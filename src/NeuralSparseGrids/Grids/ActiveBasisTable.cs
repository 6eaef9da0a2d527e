namespace NeuralSparseGrids.Grids;

/// <summary>
/// Per-thread scratch of the fast evaluator: for one sample, the active one-dimensional functions of every
/// (dimension, level) slot (local positions, values, derivatives; up to <see cref="Basis1D.MaxActive"/> each), and
/// small buffers for the tensor-product combinations. Allocated once per thread, reused for every sample.
/// </summary>
internal sealed class ActiveBasisTable
{
    private const int M = Basis1D.MaxActive;

    public ActiveBasisTable(SubspaceTable table, int outputs)
    {
        Table = table;
        int slots = table.Dim * table.LevelsPerDim;
        Counts = new int[slots];
        Positions = new int[slots * M];
        Values = new double[slots * M];
        Derivatives = new double[slots * M];
        Choice = new int[table.Dim];
        Prefix = new double[table.Dim + 1];
        Suffix = new double[table.Dim + 1];
        Accumulator = new double[outputs * table.Dim];
        Terms = new double[table.Dim];
    }

    public SubspaceTable Table { get; }
    public int[] Counts { get; }
    public int[] Positions { get; }
    public double[] Values { get; }
    public double[] Derivatives { get; }
    public int[] Choice { get; }
    public double[] Prefix { get; }
    public double[] Suffix { get; }
    public double[] Accumulator { get; }
    public double[] Terms { get; }

    /// <summary>Fills the table for the sample <paramref name="x"/> (length dim, clamped into [0, 1]).</summary>
    public void Fill(ReadOnlySpan<double> x)
    {
        var t = Table;
        for (int j = 0; j < t.Dim; j++)
        {
            double xj = x[j];
            if (double.IsNaN(xj)) throw new ArgumentException("Evaluation points must not contain NaN.", nameof(x));
            for (int l = 0; l < t.LevelsPerDim; l++)
            {
                int slot = j * t.LevelsPerDim + l;
                Counts[slot] = Basis1D.Active(t.Type, l + t.MinLevel, xj,
                    Positions.AsSpan(slot * M, M), Values.AsSpan(slot * M, M), Derivatives.AsSpan(slot * M, M));
            }
        }
    }
}
