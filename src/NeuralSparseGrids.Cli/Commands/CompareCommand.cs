using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.IO;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg compare`: the NSG against its equal-parameter ANN and standard baselines on the same seeded splits.</summary>
public sealed class CompareCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "compare";

    /// <inheritdoc />
    public string Summary => "Compare the NSG with an equal-parameter ANN, linear models, boosted trees and a classic sparse grid on your data.";

    /// <inheritdoc />
    public string Usage =>
        "nsg compare --data FILE --target COL [--splits 5] [--methods nsg,ann,linear,trees,sg] [--out DIR] [--json] [experiment options]\n" +
        "            [--methods nsg,nsg-tuned,... --tune-budget 20 --tune-epochs E]\n\n" +
        "Every method runs on the same seeded train/validation/test splits (seeds 1..K, 70/15/15 unless --split), with the\n" +
        "same preprocessing fitted on each split's training part. Reports per method the median and [min, max] over the\n" +
        "splits of the test accuracy (classification) or test RMSE in the target's units (regression), and fit seconds.\n" +
        "  nsg     the Neural Sparse Grid with the defaults of `nsg train` (experiment options below change them)\n" +
        "  nsg-adaptive  the same NSG with a dimension-adaptive grid (opt-in): it starts 2 levels lower and refines every 5\n" +
        "          epochs within the default grid's points (--adapt subspaces --max-points G; README \"Adaptive grids\")\n" +
        "  nsg-tuned  the NSG tuned on each split: `nsg tune`'s candidates (the defaults and seeded random draws) trained on\n" +
        "          the training part, the best validation score wins, its test score is reported (opt-in: budget x nsg's cost)\n" +
        "  ann     the same encoder with the equal-parameter dense head (thesis Eq. 3.27)\n" +
        "  linear  ridge regression / multinomial logistic regression, regularisation chosen on validation\n" +
        "  trees   gradient-boosted trees from ML.NET: LightGBM, FastTree where LightGBM's native library fails\n" +
        "  sg      the classic sparse grid learner on the inputs (at most 10 encoded columns; else n/a)\n" +
        "  --splits K   number of splits (5)\n" + TuningSettings.Usage + "\n" +
        "  --out DIR    write comparison.md, comparison.csv and comparison.json there\n" +
        "  --json       last stdout line: one JSON object, methods.<name>.median|min|max|fitSeconds\n\n" + ExperimentOptions.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        if (args.String("target") == null) throw new CliUsageException("nsg compare needs --target COL: the column to predict.");
        int splits = args.Int("splits", 5, 1, 1000);
        var names = ComparisonMethods.Parse(args.String("methods"));
        var tuning = TuningSettings.Parse(args);
        string? outDir = args.String("out");
        var (spec, data, note) = ComparisonData.Load(args);
        args.EnsureAllConsumed();
        // With --json stdout's last line stays the JSON: the notes go to stderr.
        (context.Json ? context.Error : context.Out).WriteLine(note);
        var result = ComparisonProgress.Run(context, Path.GetFileName(spec.Data.Source),
            progress => ComparisonRunner.Run(data, ComparisonMethods.Create(names, spec, args, data.Problem, tuning), new ComparisonOptions { Splits = splits }, progress));
        string markdown = ComparisonReport.Markdown(result);
        if (outDir != null)
        {
            Directory.CreateDirectory(outDir);
            AtomicFile.WriteAllText(Path.Combine(outDir, "comparison.md"), markdown);
            AtomicFile.WriteAllText(Path.Combine(outDir, "comparison.csv"), ComparisonReport.Csv([(Path.GetFileName(spec.Data.Source), result)]));
            AtomicFile.WriteAllText(Path.Combine(outDir, "comparison.json"), System.Text.Json.JsonSerializer.Serialize(ComparisonReport.Json(result), CliContext.JsonOptions));
        }
        context.Out.Write(markdown);
        if (context.Json) context.WriteJson(ComparisonReport.Json(result));
        return result.Methods.Any(m => m.NotApplicable == null && m.Failures == m.Splits.Count) ? CliApp.Failure : 0;
    }
}
