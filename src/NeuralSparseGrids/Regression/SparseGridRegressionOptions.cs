using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Regression;

/// <summary>Settings of the classic sparse-grid least-squares learner.</summary>
public sealed record SparseGridRegressionOptions
{
    /// <summary>Sparse grid level n (default 4).</summary>
    public int Level { get; init; } = 4;

    /// <summary>
    /// Optional maximum level per input dimension (an anisotropic grid, <see cref="SparseGrid.CreateAnisotropic"/>);
    /// null (default) uses the regular grid of <see cref="Level"/>. Its length must equal the input dimension.
    /// </summary>
    public int[]? Levels { get; init; }

    /// <summary>Grid type (default <see cref="GridType.ModifiedLinear"/>, SG++'s usual choice for data).</summary>
    public GridType GridType { get; init; } = GridType.ModifiedLinear;

    /// <summary>
    /// A grid to fit on instead of the one of <see cref="Level"/> / <see cref="Levels"/> / <see cref="GridType"/>
    /// (any subspace set, or a spatially adaptive grid of <see cref="SparseGrid.FromPointSets"/>); its dimension must
    /// be the data's. Null (default): build from the settings above.
    /// </summary>
    public SparseGrid? Grid { get; init; }

    /// <summary>
    /// Regularization λ of min (1/M) ||B alpha - y||^2 + λ ||alpha||^2 over M rows (identity regularizer; the data
    /// term is averaged as in SG++, so λ does not depend on the number of rows; default 1e-2).
    /// </summary>
    public double Lambda { get; init; } = 1e-2;

    /// <summary>Maximum conjugate-gradient iterations (default 1000).</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Stop when ||r|| &lt;= Tolerance * ||B^T y|| for every output column (default 1e-8).</summary>
    public double Tolerance { get; init; } = 1e-8;

    /// <summary>Memory budget for the grid's coefficients (default <see cref="GridSize.DefaultMaxBytes"/>).</summary>
    public long MaxBytes { get; init; } = GridSize.DefaultMaxBytes;
}
