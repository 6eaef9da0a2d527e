namespace NeuralSparseGrids.Analysis;

/// <summary>Activated grid points of a sparse grid for a set of embeddings (thesis Tables 3.13 and 3.14).</summary>
/// <param name="Activated">Number of basis functions that are non-zero (&gt; 0) at one or more embeddings.</param>
/// <param name="Total">Number of grid points (basis functions) of the grid.</param>
/// <param name="Ratio">Activated / Total.</param>
/// <param name="Mask">Per grid point (in the grid's point order, length Total): true if activated.</param>
public sealed record ActivatedPointsResult(long Activated, long Total, double Ratio, bool[] Mask);
