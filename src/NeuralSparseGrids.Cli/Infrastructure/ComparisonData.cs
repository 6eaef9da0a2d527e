using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Comparison;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>
/// Reads the experiment options of a comparison, loads its data, and applies the file-data defaults for the data's
/// shape (so `nsg` and `ann` get what `nsg train` would use).
/// </summary>
public static class ComparisonData
{
    /// <summary>The experiment spec (file defaults applied), the splits, and a line saying what was loaded.</summary>
    public static (ExperimentSpec Spec, IComparisonData Data, string Note) Load(CliArguments args)
    {
        var spec = ExperimentOptions.Parse(args);
        var dataset = spec.Data.Load(spec.DataSeed);
        int classes = dataset.Task == DatasetTask.Classification ? dataset.ClassCount : 0;
        string note = $"{spec.Data.Source}: {dataset.Rows} rows, {dataset.Columns} inputs, " +
                      (classes > 0 ? $"classification ({classes} classes)" : "regression");
        if (FileDataOptions.Applies(spec, args))
        {
            var d = FileDataOptions.SetDefaults(args, dataset.Columns, dataset.Rows, classes);
            spec = ExperimentOptions.Parse(args);
            note += "\n" + FileDataOptions.Describe(d, dataset.Columns, dataset.Rows, classes);
        }
        return (spec, new ScaledSplits(dataset, spec.Split), note);
    }
}
