using System.Globalization;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Reproduction;

/// <summary>
/// The tables of thesis chapter 3 with their published numbers (typed in from the thesis text) and the experiments
/// that reproduce them. Tables 3.3-3.5 and the stellar columns need the user's spectra data.
/// </summary>
public static partial class ThesisTables
{
    /// <summary>Note on the swiss roll response shared by the swiss roll tables.</summary>
    public const string SwissRollNote =
        "Swiss roll uses the unit-t reading (`SwissRollT.Unit`: sin(5 pi u), u = (t - 3pi/2)/(3pi) in [0,1]); the formula as " +
        "printed (t in radians, ~24 periods along the roll) is about 8x harder and is not what the thesis' MSEs reflect. " +
        "MSE is on the min-max normalised target.";

    /// <summary>How to give the stellar spectra data.</summary>
    public const string SpectraHelp =
        "The stellar spectra (SDSS/SEGUE, thesis Sec. 3.3.3) are not distributed with nsg. Point reproduce at your copy: " +
        "--data spectra:FILE.csv --target FEH (FILE.csv: one spectrum per row, the [Fe/H] column named by --target; " +
        "add --max-rows 50000 for the thesis' subset).";

    private static readonly Lazy<IReadOnlyList<TableDefinition>> Tables = new(() =>
    [
        Table31(), Table32(), Figure38(), Table33(), Table34(), Table35(),
        Table36(), Table37(), Table38(), Table39(), Table310(),
        Table311(), Table312(), Table313(), Table314(), Table315(),
    ]);

    /// <summary>Every reproducible table, in thesis order.</summary>
    public static IReadOnlyList<TableDefinition> All => Tables.Value;

    /// <summary>The identifiers, for help and error messages.</summary>
    public static string Ids => string.Join(", ", All.Select(t => t.Id));

    /// <summary>Finds a table by id ("3.2", "table3.2", "fig3.8", "figure3.8"); null if unknown.</summary>
    public static TableDefinition? Find(string id)
    {
        string key = id.Trim().ToLowerInvariant().Replace("table", "").Replace("figure", "fig").Replace(" ", "");
        return All.FirstOrDefault(t => t.Id == key);
    }

    private static string Lr(double v) => "lr=" + v.ToString("0.#####E+0", CultureInfo.InvariantCulture);

    private static string Name(TrainingMethod m) => m switch
    {
        TrainingMethod.LeastSquares => "LS",
        TrainingMethod.IterativeLeastSquares => "ILS",
        _ => "SGD",
    };

    private static readonly TrainingMethod[] Methods = [TrainingMethod.Gradient, TrainingMethod.LeastSquares, TrainingMethod.IterativeLeastSquares];

    /// <summary>Row label of the irreducible-error cells of the swiss roll tables.</summary>
    public const string BayesRow = "Bayes floor";

    // The irreducible error of the test split of a swiss roll run (ours only; the thesis has no such row). Shares the run of
    // `spec` (cells group by spec reference), so it costs nothing extra.
    private static ReproCell BayesFloor(string column, ExperimentSpec spec) =>
        new(BayesRow, column, Measure.BayesTestMse, null, spec, "MSE of the Bayes-optimal predictor on the same test split: no model can go lower except by chance");

    private static ReproCell Literature(string row, string column, Measure measure, double? thesis, string source) =>
        new(row, column, measure, thesis, null, $"literature value ({source}); not reproduced");

    private static ReproCell UserData(TableContext context, string row, string column, Measure measure, double? thesis, Func<DataSpec, ExperimentSpec> spec) =>
        context.UserData is DataSpec d
            ? new ReproCell(row, column, measure, thesis, spec(d))
            : new ReproCell(row, column, measure, thesis, null, "needs the stellar spectra: --data spectra:FILE.csv --target COL");
}
