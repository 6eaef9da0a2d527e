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
                           "Every row of the data is evaluated with the model's stored scaling (generated data sets: --count points from --data-seed).";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model");
        var spec = ExperimentOptions.Parse(args);
        args.EnsureAllConsumed();
        using var trained = TrainedModel.Load(dir);
        var dataset = spec.Data.Load(spec.DataSeed);
        if (dataset.Columns != trained.Model.Config.Inputs)
            throw new InvalidDataException($"The data have {dataset.Columns} features but the model expects {trained.Model.Config.Inputs}.");
        var scaling = trained.Scaling;
        using var split = PreparedData.ToSplit(dataset,
            scaling.Features == null ? null : MinMaxScaler.FromState(scaling.Features),
            scaling.Targets == null ? null : MinMaxScaler.FromState(scaling.Targets));
        var metrics = ModelEvaluation.Evaluate(trained.Model, split, scaling);
        if (context.Json) context.WriteJson(new { test = metrics, model = dir });
        else context.Out.WriteLine(metrics.Accuracy is double a
            ? $"Accuracy {a:F4} on {metrics.Count} rows"
            : $"MSE {metrics.Mse:G4} (normalised), MAE {metrics.Mae:G4}; raw units: MSE {metrics.MseRaw:G4}, MAE {metrics.MaeRaw:G4} on {metrics.Count} rows");
        return 0;
    }
}
