using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Reproduction;

/// <summary>Options of <see cref="ReproductionRunner"/>.</summary>
public sealed record ReproduceOptions
{
    /// <summary>Use the table's quick scale (<see cref="TableDefinition.Quick"/>).</summary>
    public bool Quick { get; init; }

    /// <summary>Seeds per cell (null: the table's default, or the quick scale's).</summary>
    public int? Seeds { get; init; }

    /// <summary>An explicit scale (tests); overrides <see cref="Quick"/>.</summary>
    public ReproductionScale? Scale { get; init; }

    /// <summary>User data (stellar spectra) for the tables and columns that need it.</summary>
    public DataSpec? UserData { get; init; }

    /// <summary>Progress lines (one per finished run).</summary>
    public Action<string>? Log { get; init; }
}
