namespace NeuralSparseGrids.Analysis;

/// <summary>Summary of embeddings in latent space (thesis Sec. 3.5.2: size and spread of the embeddings).</summary>
/// <param name="Count">Number of embeddings n.</param>
/// <param name="Dim">Latent dimension d.</param>
/// <param name="Min">Per-dimension minimum, length d.</param>
/// <param name="Max">Per-dimension maximum, length d.</param>
/// <param name="Mean">Per-dimension mean, length d.</param>
/// <param name="Std">Per-dimension population standard deviation, length d.</param>
/// <param name="BoundingBoxDiagonal">Length of the bounding box diagonal: an upper bound of the diameter.</param>
/// <param name="Diameter">
/// Largest pairwise Euclidean distance among the evaluated points: exact when <see cref="DiameterIsExact"/>, otherwise
/// a lower bound computed on a deterministic subsample (see <see cref="LatentStatistics"/>).
/// </param>
/// <param name="DiameterIsExact">True when all n points were used for <see cref="Diameter"/>.</param>
/// <param name="DiameterSampleSize">Number of points the diameter was computed on.</param>
/// <param name="Cells">Occupancy of the level-n cells; null when no cell level was given.</param>
public sealed record LatentStatisticsResult(
    int Count,
    int Dim,
    double[] Min,
    double[] Max,
    double[] Mean,
    double[] Std,
    double BoundingBoxDiagonal,
    double Diameter,
    bool DiameterIsExact,
    int DiameterSampleSize,
    CellOccupancy? Cells);

/// <summary>
/// Which cells of the full grid of mesh 2^-level per dimension on [0, 1]^d hold at least one embedding.
/// </summary>
/// <param name="Level">Cell level: cells have side 2^-Level.</param>
/// <param name="OccupiedCells">Number of distinct cells holding one or more embeddings.</param>
/// <param name="TotalCells">2^(Level d) (a double: it can exceed the long range).</param>
/// <param name="VisitedFraction">OccupiedCells / TotalCells: the fraction of the latent box the embeddings visit (tiny for large d).</param>
/// <param name="DistinctFraction">
/// OccupiedCells / min(n, TotalCells): how many of the samples' own cells are distinct, the meaningful measure when
/// 2^(Level d) far exceeds n (large d), where VisitedFraction is necessarily near 0.
/// </param>
public sealed record CellOccupancy(int Level, long OccupiedCells, double TotalCells, double VisitedFraction, double DistinctFraction);
