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
    public string Usage => "nsg evaluate --model DIR --data SOURCE [--target COL] [--swissroll-t radians|unit] [--count N] [--data-seed S] [--json]\n\n" +
                           "Every row of the data is evaluated with the model's stored task, encoding and scaling (generated data sets: --count points from --data-seed).\n" +
                           "Files: columns are matched by name (in any order; by position only when the file has no header row).";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model");
        var spec = ExperimentOptions.Parse(args);
        args.EnsureAllConsumed();
        using var trained = TrainedModel.Load(dir);
        var scaling = trained.Scaling;
        Dataset dataset;
        if (spec.Data.IsTable)
        {
            // Files: the model's own task, target and encoding; columns matched by name.
            var notes = new List<string>();
            dataset = trained.Encode(RawTable.Read(spec.Data.Source.Trim()), withTarget: true, notes);
            foreach (var note in notes) (context.Json ? context.Error : context.Out).WriteLine(note);
        }
        else
        {
            dataset = spec.Data.Load(spec.DataSeed);
            if (dataset.Task != trained.Task)
                throw new InvalidDataException($"The model was trained for {trained.Task.ToString().ToLowerInvariant()} but the data are a {dataset.Task.ToString().ToLowerInvariant()} set.");
            if (dataset.Columns != trained.Model.Config.Inputs)
                throw new InvalidDataException($"The data have {dataset.Columns} features but the model expects {trained.Model.Config.Inputs}.");
        }
        using var split = PreparedData.ToSplit(dataset,
            scaling.Features == null ? null : MinMaxScaler.FromState(scaling.Features),
            scaling.Targets == null ? null : MinMaxScaler.FromState(scaling.Targets));
        var metrics = ModelEvaluation.Evaluate(trained.Model, split, scaling);
        if (context.Json) context.WriteJson(new { test = metrics, model = dir, task = trained.Task.ToString().ToLowerInvariant() });
        else context.Out.WriteLine(metrics.Accuracy is double a
            ? $"Accuracy {a:F4} on {metrics.Count} rows"
            : $"MSE {metrics.Mse:G4} (normalised), MAE {metrics.Mae:G4}; raw units: MSE {metrics.MseRaw:G4}, MAE {metrics.MaeRaw:G4} on {metrics.Count} rows");
        return 0;
    }
}
