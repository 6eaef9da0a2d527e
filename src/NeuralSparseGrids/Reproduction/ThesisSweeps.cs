using System.Globalization;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Sweeps;

namespace NeuralSparseGrids.Reproduction;

/// <summary>
/// The thesis tables as sweep specs: one configuration per distinct experiment of a <see cref="TableDefinition"/>
/// (cells sharing a run share a configuration), its `nsg train` options from <see cref="TrainArguments"/>, the cells it
/// reports, and seeds 1..K. The specs of the tables that need no user data are kept in the repository
/// (sweeps/thesis/*.json, checked against this generator by a test); `nsg reproduce TABLE --emit slurm` writes them
/// for a cluster and `nsg sweep collect` turns the cells back into the side-by-side table (<see cref="Collect"/>).
/// </summary>
public static class ThesisSweeps
{
    /// <summary>Axis name of the table sweeps: one value per experiment.</summary>
    public const string Axis = "experiment";

    /// <summary>Why NSG* cells are not run by the engine.</summary>
    public const string NsgStarNote = "NSG* fits a sparse grid on a trained ANN's embeddings in-process; run `nsg reproduce` without --emit for it";

    /// <summary>The sweep spec of <paramref name="table"/>.</summary>
    public static SweepSpec Build(TableDefinition table, ReproduceOptions options)
    {
        if (table.RequiresUserData && options.UserData is null)
            throw new InvalidOperationException($"Table {table.Id} needs user data. {ThesisTables.SpectraHelp}");
        var scale = options.Scale ?? (options.Quick ? table.Quick : null);
        int seeds = options.Seeds ?? scale?.Seeds ?? table.Seeds;
        var cells = table.Cells(new TableContext(options.UserData));
        var runnable = cells.Where(c => c.Spec != null && !c.Measure.NeedsNsgStar()).ToList();
        var groups = runnable.GroupBy(c => c.Spec!, ReferenceEqualityComparer.Instance).ToList();
        var settings = groups.Select(g =>
        {
            var spec = (ExperimentSpec)g.Key!;
            var scaled = scale?.Apply(spec) ?? spec;
            var flags = TrainArguments.From(scaled).Where(f => f.Key != "seed").ToList();
            // Diameter columns: latent statistics after epoch 1 and at the last epoch.
            if (g.Any(c => c.Measure.NeedsLatent())) flags.Add(new("latent-stats", scaled.Training.Epochs.ToString(CultureInfo.InvariantCulture)));
            return flags;
        }).ToList();
        // Options equal in every experiment form the base; the rest is what each experiment sets.
        var common = settings.Count == 0 ? [] : settings[0].Where(f => settings.All(s => s.Contains(f))).ToList();
        var values = groups.Select((g, k) => new AxisValue(
            Label(g.ToList()),
            [.. settings[k].Where(f => !common.Contains(f))],
            [.. g.Select(c => new SweepTableCell(c.Row, c.Column, c.Measure.ToString(), c.Thesis, c.Note))])).ToList();
        var statics = cells.Where(c => !runnable.Contains(c))
            .Select(c => new SweepTableCell(c.Row, c.Column, c.Measure.ToString(), c.Thesis, c.Spec != null ? NsgStarNote : c.Note)).ToList();
        if (values.Count == 0) throw new InvalidOperationException($"Table {table.Id} has no cells the sweep engine can run.");
        return new SweepSpec
        {
            Name = TableReport.FileStem(table.Id) + (scale is null ? "" : "-quick"),
            Base = common,
            Axes = [new SweepAxis(Axis, values)],
            Seeds = [.. Enumerable.Range(1, seeds)],
            Table = new SweepTable(table.Id, table.Title, table.Notes, statics, [.. cells.Select(c => new[] { c.Row, c.Column })],
                scale is null ? null : new Dictionary<string, int?> { ["epochs"] = scale.Epochs, ["count"] = scale.Count, ["maxRows"] = scale.MaxRows }),
        };
    }

    private static string Label(IReadOnlyList<ReproCell> cells)
    {
        var rows = cells.Select(c => c.Row).Distinct().ToList();
        var columns = cells.Select(c => c.Column).Distinct().ToList();
        return $"{string.Join(" + ", rows)} | {string.Join(" + ", columns)}";
    }

    /// <summary>The side-by-side table from a collected table sweep (null if the sweep is not a table's).</summary>
    public static ReproductionResult? Collect(SweepResults results)
    {
        var table = results.Spec.Table;
        if (table is null) return null;
        var axis = results.Spec.Axes.Single(a => a.Name == Axis);
        var reported = axis.Values.SelectMany((v, k) => (v.Report ?? []).Select(c => (Cell: c, Configuration: k))).ToList();
        var cellResults = new List<CellResult>();
        foreach (var pair in table.Order)
        {
            var (row, column) = (pair[0], pair[1]);
            var hit = reported.FirstOrDefault(r => r.Cell.Row == row && r.Cell.Column == column);
            if (hit.Cell is null)
            {
                var s = table.Static.First(c => c.Row == row && c.Column == column);
                cellResults.Add(new CellResult(ToReproCell(s), [], null, null, null, 0));
                continue;
            }
            var measure = Enum.Parse<Measure>(hit.Cell.Measure);
            var runs = results.Cells.Where(c => c != null && c.Configuration == hit.Configuration && c.HasMetrics).Select(c => c!).ToList();
            cellResults.Add(CellResult.From(ToReproCell(hit.Cell), [.. runs.Select(r => Value(measure, r) ?? double.NaN)], runs.Count(r => r.Status == CellStatus.Diverged)));
        }
        var definition = new TableDefinition { Id = table.Id, Title = table.Title, Notes = table.Notes, Cells = _ => [.. cellResults.Select(c => c.Cell)] };
        var scale = table.Scale is { } s2 ? new ReproductionScale(s2.GetValueOrDefault("epochs"), s2.GetValueOrDefault("count"), s2.GetValueOrDefault("maxRows")) : null;
        return new ReproductionResult(definition, cellResults, results.Spec.Seeds.Count, scale, results.Cells.Sum(c => c?.Seconds ?? 0));
    }

    private static ReproCell ToReproCell(SweepTableCell c) => new(c.Row, c.Column, Enum.Parse<Measure>(c.Measure), c.Thesis, null, c.Note);

    /// <summary>The value of <paramref name="measure"/> in a cell's `nsg train` result (null if it does not hold it).</summary>
    public static double? Value(Measure measure, SweepCellOutcome cell) => measure switch
    {
        Measure.TestMse => cell.Number("test.mse"),
        Measure.Log10TestMse => cell.Number("test.mse") is double m ? Math.Log10(m) : null,
        Measure.TestMseRaw => cell.Number("test.mseRaw"),
        Measure.TestMaeRaw => cell.Number("test.maeRaw"),
        Measure.TestAccuracy => cell.Number("test.accuracy"),
        Measure.BurstRate => cell.Number("bursts") is double b ? (b > 0 ? 1 : 0) : null,
        Measure.GridPoints => cell.Number("gridPoints"),
        Measure.ActivatedPoints => cell.Number("activatedPoints"),
        Measure.ActivatedRatio => cell.Number("gridPoints") is double g && g > 0 && cell.Number("activatedPoints") is double a ? a / g : null,
        Measure.Diameter => Latent(cell, last: true),
        Measure.DiameterEpoch1 => Latent(cell, last: false),
        Measure.BayesTestMse => cell.Number("bayes.mse"),
        _ => null,
    };

    private static double? Latent(SweepCellOutcome cell, bool last)
    {
        if (cell.Result is not { } r || !r.TryGetProperty("latent", out var latent) || latent.ValueKind != System.Text.Json.JsonValueKind.Array || latent.GetArrayLength() == 0) return null;
        var entries = latent.EnumerateArray().ToList();
        var entry = last ? entries[^1] : entries.FirstOrDefault(e => e.TryGetProperty("epoch", out var ep) && ep.GetInt32() == 1);
        return entry.ValueKind == System.Text.Json.JsonValueKind.Object && entry.TryGetProperty("diameter", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.Number ? d.GetDouble() : null;
    }
}
