using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Reproduction;

/// <summary>A thesis table (or figure) with its published numbers and the experiments that reproduce it.</summary>
public sealed record TableDefinition
{
    /// <summary>Identifier as typed on the command line: "3.2", "fig3.8".</summary>
    public required string Id { get; init; }

    /// <summary>Caption (from the thesis).</summary>
    public required string Title { get; init; }

    /// <summary>Notes printed above the table: setup, deviations from the thesis.</summary>
    public string Notes { get; init; } = "";

    /// <summary>Builds the cells for the given context (user data, scaling).</summary>
    public required Func<TableContext, IReadOnlyList<ReproCell>> Cells { get; init; }

    /// <summary>True when nothing can be reproduced without user data (the stellar spectra tables).</summary>
    public bool RequiresUserData { get; init; }

    /// <summary>Quick-mode scale (--quick).</summary>
    public ReproductionScale Quick { get; init; } = ReproductionScale.DefaultQuick;

    /// <summary>Default number of seeds per cell in full mode.</summary>
    public int Seeds { get; init; } = 3;
}

/// <summary>What the cell builders may use: the user's data set (stellar spectra) if given.</summary>
/// <param name="UserData">The user's data (e.g. spectra:FILE.csv with a target), or null.</param>
public sealed record TableContext(DataSpec? UserData);
