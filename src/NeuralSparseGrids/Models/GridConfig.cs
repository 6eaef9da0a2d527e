using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;

namespace NeuralSparseGrids.Models;

/// <summary>The sparse grid part of a <see cref="NsgModelConfig"/>: type, level(s), initial coefficients and memory budget.</summary>
public sealed record GridConfig
{
    /// <summary>Sparse grid type (basis and boundary treatment).</summary>
    public GridType Type { get; init; } = GridType.Linear;

    /// <summary>Sparse grid level n.</summary>
    public int Level { get; init; } = 6;

    /// <summary>
    /// Optional maximum level per latent dimension (anisotropic grid, <see cref="SparseGrid.CreateAnisotropic"/>;
    /// length <see cref="NsgModelConfig.Latent"/>); null (default) uses the regular grid of <see cref="Level"/>.
    /// </summary>
    public int[]? Levels { get; init; }

    /// <summary>
    /// The grid's subspaces as level vectors (each of length <see cref="NsgModelConfig.Latent"/>, a downward-closed
    /// set, in point order) when training adapted the grid (<see cref="Training.AdaptivityOptions"/>); null (default):
    /// the grid of <see cref="Level"/> / <see cref="Levels"/>, which then only describe where the adaptation started.
    /// Saved with the model, so checkpoints and trained models reload with the adapted grid.
    /// </summary>
    public int[][]? Subspaces { get; init; }

    /// <summary>
    /// Spatially adaptive grids (<c>--adapt points</c>): per entry of <see cref="Subspaces"/> the local indices
    /// (<c>sum_j k_j * stride_j</c>, <see cref="SparseGrid.FromPointSets"/>) of the points the subspace holds, ascending,
    /// or null where it holds all of them; null (default) when every subspace is full.
    /// </summary>
    public int[]?[]? SubspacePoints { get; init; }

    /// <summary>
    /// Initial coefficients: small seeded normal values (default; u and du/dh are non-zero from the first step) or
    /// zeros (the thesis' setting, under which untreated boundaries can leave the loss stuck, 3.4.3).
    /// </summary>
    public CoefficientInit CoefficientInit { get; init; } = CoefficientInit.SmallNormal;

    /// <summary>Memory budget of the grid in bytes (null: <see cref="GridSize.DefaultMaxBytes"/>); a larger grid is refused before allocating.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting inconsistent with a <paramref name="latent"/>-dimensional box.</summary>
    public void Validate(int latent)
    {
        if (Level < 1) throw new ArgumentException($"Grid level must be at least 1 (got {Level}).");
        if (Levels is not null && (Levels.Length != latent || Levels.Any(l => l < 1 || l > 30)))
            throw new ArgumentException($"Levels must give one level in 1..30 per latent dimension ({latent}), got {string.Join(",", Levels)}.");
        if (Subspaces is not null && (Subspaces.Length == 0 || Subspaces.Any(l => l is null || l.Length != latent)))
            throw new ArgumentException($"Subspaces must be a non-empty list of level vectors with one level per latent dimension ({latent}).");
        if (SubspacePoints is not null && (Subspaces is null || SubspacePoints.Length != Subspaces.Length))
            throw new ArgumentException($"SubspacePoints must give one entry (null: all points) per subspace of Subspaces ({Subspaces?.Length ?? 0}), got {SubspacePoints.Length}.");
    }

    /// <summary>Value equality, the per-dimension levels compared element by element (a record alone compares the array reference).</summary>
    public bool Equals(GridConfig? other) =>
        other is not null && Type == other.Type && Level == other.Level && CoefficientInit == other.CoefficientInit && MaxBytes == other.MaxBytes
        && (Levels is null ? other.Levels is null : other.Levels is not null && Levels.SequenceEqual(other.Levels))
        && (Subspaces is null ? other.Subspaces is null
            : other.Subspaces is not null && Subspaces.Length == other.Subspaces.Length && Subspaces.Zip(other.Subspaces).All(p => p.First.SequenceEqual(p.Second)))
        && (SubspacePoints is null ? other.SubspacePoints is null
            : other.SubspacePoints is not null && SubspacePoints.Length == other.SubspacePoints.Length
              && SubspacePoints.Zip(other.SubspacePoints).All(p => p.First is null ? p.Second is null : p.Second is not null && p.First.SequenceEqual(p.Second)));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Level, Levels?.Length, Subspaces?.Length, CoefficientInit, MaxBytes);
}
