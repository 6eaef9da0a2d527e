using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Comparison;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>
/// Reads the experiment options of a comparison with the file-data defaults for the data's shape (so `nsg` and `ann`
/// get what `nsg train` would use) and prepares its splits.
/// </summary>
public static class ComparisonData
{
    /// <summary>The experiment spec (file defaults applied), the splits, and lines saying what was loaded and applied.</summary>
    public static (ExperimentSpec Spec, IComparisonData Data, string Note) Load(CliArguments args)
    {
        var spec = FileDataOptions.Parse(args, out string? defaults);
        var notes = new List<string>();
        IComparisonData data = spec.Data.IsTable
            ? new TableSplits(spec.Data.LoadTable(spec.DataSeed), spec.Data.TableOptions, spec.Split, notes)
            : new ScaledSplits(spec.Data.Load(spec.DataSeed), spec.Split);
        var p = data.Problem;
        notes.Insert(0, $"{spec.Data.Source}: {p.Rows} rows, {p.Inputs} encoded inputs, " + (p.Classes > 0 ? $"classification ({p.Classes} classes)" : "regression"));
        if (defaults != null) notes.Add(defaults);
        return (spec, data, string.Join("\n", notes));
    }
}
