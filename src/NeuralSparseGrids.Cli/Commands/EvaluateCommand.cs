using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg evaluate`: metrics of a trained model on a data set.</summary>
public sealed class EvaluateCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "evaluate";

    /// <inheritdoc />
    public string Summary => "Evaluate a trained model (nsg train --out DIR) on a data set.";

    /// <inheritdoc />
    public string Usage => "nsg evaluate --model DIR --data SOURCE [--target COL] [--swissroll-t radians|unit] [--count N] [--data-seed S] [--json]\n" +
                           "             [--rows all|test] [--ood-shift noise,invert,rotate90[,FILE]] [--ood-seed S]\n\n" +
                           "Every row of the data is evaluated with the model's stored task, encoding and scaling (generated data sets: --count points from --data-seed).\n" +
                           "Files: columns are matched by name (in any order; by position only when the file has no header row).\n" +
                           "--rows test: only the test part of the training split (the run's --split, --data-seed and --limit).\n" +
                           "A model with a density head (nsg train --head density, or nsg fit-density) reports both heads.\n" +
                           "--ood-shift: AUROC of telling the rows from shifted copies (uniform noise; inverted images or negated\n" +
                           "features; images rotated by 90 degrees; or the rows of another data file) by the density score, the\n" +
                           "maximum softmax probability and the coverage flag (JSON ood.<shift>.density|softmax|coverage), and by the density\n" +
                           "head's largest class term max_c P(c) f_c (ood.<shift>.densityMaxClass).";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model");
        var spec = ExperimentOptions.Parse(args);
        bool testRows = args.Choice("rows", false, new Dictionary<string, bool> { ["all"] = false, ["test"] = true });
        var shifts = args.String("ood-shift") is string shiftText ? OodShift.ParseList(shiftText) : null;
        int oodSeed = args.Int("ood-seed", 1);
        args.EnsureAllConsumed();
        using var trained = TrainedModel.Load(dir);
        var scaling = trained.Scaling;
        Dataset dataset;
        if (spec.Data.IsTable)
        {
            // Files: the model's own task, target and encoding; columns matched by name.
            var notes = new List<string>();
            var table = RawTable.Read(spec.Data.Source.Trim());
            // --rows test: the run's test rows (same seeded split as training), encoded with the model's stored encoding.
            if (testRows)
            {
                var options = spec.Data.TableOptions;
                var testIndices = TableSplit.Create(table, options, spec.Split.Train, spec.Split.Validation, spec.Split.Test, spec.DataSeed).Indices[2];
                table = TableEncoder.HandleMissingRows(table, options).SubsetRows(testIndices);
            }
            dataset = trained.Encode(table, withTarget: true, notes);
            foreach (var note in notes) (context.Json ? context.Error : context.Out).WriteLine(note);
        }
        else
        {
            dataset = spec.Data.Load(spec.DataSeed);
            if (testRows) dataset = DatasetSplitter.Split(dataset, spec.Split.Train, spec.Split.Validation, spec.Split.Test, spec.DataSeed).Test;
            if (dataset.Task != trained.Task)
                throw new InvalidDataException($"The model was trained for {trained.Task.ToString().ToLowerInvariant()} but the data are a {dataset.Task.ToString().ToLowerInvariant()} set.");
            if (dataset.Columns != trained.Model.Config.Inputs)
                throw new InvalidDataException($"The data have {dataset.Columns} features but the model expects {trained.Model.Config.Inputs}.");
        }
        using var split = PreparedData.ToSplit(dataset,
            scaling.Features == null ? null : MinMaxScaler.FromState(scaling.Features),
            scaling.Targets == null ? null : MinMaxScaler.FromState(scaling.Targets));
        var metrics = ModelEvaluation.Evaluate(trained.Model, split, scaling);
        var (density, ood) = DensityAndOod(trained, dataset, shifts, oodSeed);
        if (context.Json) context.WriteJson(new { test = metrics, density, ood, model = dir, task = trained.Task.ToString().ToLowerInvariant() });
        else context.Out.WriteLine(metrics.Accuracy is double a
            ? $"Accuracy {a:F4} on {metrics.Count} rows"
            : $"MSE {metrics.Mse:G4} (normalised), MAE {metrics.Mae:G4}; raw units: MSE {metrics.MseRaw:G4}, MAE {metrics.MaeRaw:G4} on {metrics.Count} rows");
        if (!context.Json && density?.Accuracy is double da) context.Out.WriteLine($"Density head: accuracy {da:F4}");
        if (!context.Json && ood != null)
            foreach (var (name, o) in ood)
                context.Out.WriteLine($"OOD {name} ({o.Rows} rows): AUROC density {F(o.Density)} (max class term {F(o.DensityMaxClass)}), max softmax {F(o.Softmax)}, coverage {F(o.Coverage)}");
        return 0;
    }

    private static string F(double? v) => v is double x ? x.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "n/a";

    // The density head's metrics (when the model has one) and the out-of-distribution AUROCs (with --ood-shift).
    private static (TestMetrics? Density, IReadOnlyDictionary<string, OodScores>? Ood) DensityAndOod(TrainedModel trained, Dataset dataset,
        IReadOnlyList<OodShift>? shifts, int seed)
    {
        if (trained.Density == null && shifts == null) return (null, null);
        if (shifts != null && trained.Model.Config.Task != Models.NsgTask.Classification)
            throw new ArgumentException("--ood-shift compares classifier scores (density, max softmax); this model does regression.");
        TestMetrics? density = null;
        if (trained.Density != null && dataset.Labels != null)
        {
            var labels = trained.Predict(dataset.Features, dataset.Rows).DensityLabels;
            density = new TestMetrics { Accuracy = labels.Zip(dataset.Labels).Count(p => p.First == p.Second) / (double)dataset.Rows, Count = dataset.Rows };
        }
        bool images = trained.Model.Config.Encoder is Models.CnnEncoderConfig || trained.Scaling.Features == null;
        var ood = shifts == null ? null : OodEvaluation.Evaluate(trained, dataset.Features, dataset.Rows, shifts, images, seed);
        return (density, ood);
    }
}
