using System.Globalization;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>
/// Applies <see cref="FileDataDefaults"/> to a command line whose data is a user's CSV/ARFF file: the rule's values
/// become option defaults (as a preset does), so explicit options win. Generated data, MNIST, spectra and runs with a
/// --preset keep their own defaults.
/// </summary>
public static class FileDataOptions
{
    /// <summary>True for a CSV/ARFF file source without a preset.</summary>
    public static bool Applies(ExperimentSpec spec, CliArguments args)
    {
        if (args.String("preset") != null) return false;
        string s = spec.Data.Source.Trim().ToLowerInvariant();
        if (s.StartsWith("spectra:", StringComparison.Ordinal)) return false;
        return s.EndsWith(".csv") || s.EndsWith(".csv.gz") || s.EndsWith(".tsv") || s.EndsWith(".txt") || s.EndsWith(".arff") || s.EndsWith(".arff.gz");
    }

    /// <summary>Sets the rule's values for data of <paramref name="inputs"/> columns, <paramref name="rows"/> rows and <paramref name="classes"/> classes as defaults.</summary>
    public static FileDataDefaults SetDefaults(CliArguments args, int inputs, int rows, int classes)
    {
        var d = FileDataDefaults.For(inputs, rows, classes);
        var inv = CultureInfo.InvariantCulture;
        args.SetDefault("encoder", string.Join(",", new[] { inputs }.Concat(d.HiddenLayers)));
        args.SetDefault("latent", d.Latent.ToString(inv));
        args.SetDefault("level", d.Level.ToString(inv));
        args.SetDefault("lr", d.LearningRate.ToString("R", inv));
        args.SetDefault("epochs", d.Epochs.ToString(inv));
        args.SetDefault("patience", d.Patience.ToString(inv));
        args.SetDefault("batch", d.BatchSize.ToString(inv));
        args.SetDefault("split", "0.7,0.15,0.15");
        return d;
    }

    /// <summary>One line describing the applied defaults.</summary>
    public static string Describe(FileDataDefaults d, int inputs, int rows, int classes) =>
        $"File-data defaults for {inputs} inputs, {rows} rows{(classes > 0 ? $", {classes} classes" : "")}: encoder {inputs},{string.Join(",", d.HiddenLayers)}, " +
        $"latent {d.Latent}, level {d.Level}, lr {d.LearningRate:G3}, batch {d.BatchSize}, up to {d.Epochs} epochs (patience {d.Patience}); explicit options win.";
}
