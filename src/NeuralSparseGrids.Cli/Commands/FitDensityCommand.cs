using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg fit-density`: adds a density head to a trained classifier (frozen encoder, as NSG* does).</summary>
public sealed class FitDensityCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "fit-density";

    /// <inheritdoc />
    public string Summary => "Fit class densities on a trained classifier's embeddings (density head, out-of-distribution score).";

    /// <inheritdoc />
    public string Usage => "nsg fit-density --model DIR --data SOURCE [the run's data and split options] [density options] [--json]\n\n" +
                           "Re-creates the run's train/validation/test split (same --data, --limit, --split, --data-seed), fits one sparse grid\n" +
                           "density per class on the training embeddings, chooses the out-of-distribution threshold on the validation\n" +
                           "split, writes DIR/" + DensityHead.FileName + " and reports both heads' test accuracy.\n" + ExperimentOptions.DensityUsage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model");
        var spec = ExperimentOptions.Parse(args);
        var options = ExperimentOptions.ParseDensityHead(args);
        args.EnsureAllConsumed();
        using var trained = TrainedModel.Load(dir);
        DensityHead.EnsureClassification(trained.Model.Config.Task);
        // The run's own preparation (table files through their encoder), so the split and encoding are training's.
        using var data = ExperimentRunner.Prepare(spec with { Model = trained.Model.Config });
        if (data.Inputs != trained.Model.Config.Inputs)
            throw new InvalidDataException($"The data have {data.Inputs} features but the model expects {trained.Model.Config.Inputs}.");
        if (trained.Scaling.Features is { } stored && data.Scaling.Features is { } now && !stored.Min.SequenceEqual(now.Min))
            throw new InvalidDataException("The training split differs from the run's (its feature ranges differ): pass the run's --data, --limit, --split and --data-seed.");
        var softmax = ModelEvaluation.Evaluate(trained.Model, data.Test, data.Scaling);
        var result = DensityHeadResult.FitAndEvaluate(trained.Model, data, options, dir);
        if (context.Json) context.WriteJson(new { test = softmax, densityHead = result, model = dir });
        else
        {
            context.Out.WriteLine($"Test accuracy: softmax head {softmax.Accuracy:F4}, density head {result.Test.Accuracy:F4} ({softmax.Count} rows)");
            context.Out.WriteLine($"Class densities fitted in {result.FitSeconds:F2} s (lambdas {string.Join(", ", result.Lambdas.Select(l => l.ToString("G2", System.Globalization.CultureInfo.InvariantCulture)))}); " +
                                  $"out-of-distribution threshold {result.Threshold:G3}; written to {Path.Combine(dir, DensityHead.FileName)}");
        }
        return 0;
    }
}
