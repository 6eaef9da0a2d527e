using System.Globalization;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Sweeps;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg tune`: random search over the NSG's main settings on a data file, selected on validation only.</summary>
public sealed class TuneCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "tune";

    /// <inheritdoc />
    public string Summary => "Tune the NSG for a data file (random search on the validation split; locally or on Slurm/Kubernetes).";

    /// <inheritdoc />
    public string Usage =>
        "nsg tune --data FILE --target COL [--budget 20] [--splits K] [--workers N] [--out DIR] [--emit slurm|kubernetes] [--json]\n\n" +
        "Candidates: nsg train's defaults plus BUDGET-1 seeded random draws, around the defaults, of latent dimension x level,\n" +
        "encoder widths, learning rate (log-uniform lr0/3..3 lr0), batch and rescaling. Each candidate trains on K seeded splits (data seeds 1..K);\n" +
        "the best mean validation score wins if its gain over the defaults beats its standard error over the splits, else the\n" +
        "defaults stay (the nsg-tuned row's rule; the test split is reported, never used). Writes DIR/tuned.json (the\n" +
        "configuration, its nsg train command) and DIR/tuned-model (the winner's trained model, from its best split).\n\n" +
        "  --data FILE --target COL     the data (csv/arff) and its target column; --task, --drop, --missing,\n" +
        "                               --unknown-category, --scale, --limit, --split as in nsg train\n" +
        "  --budget N                   candidates, the defaults included (20)\n" +
        "  --splits K                   seeded splits per candidate (ceil(1000 / validation rows) in [1, 5])\n" +
        "  --search-seed S              seed of the random draws (1)\n" +
        "  --epochs E --patience P      training length of every candidate (nsg train's defaults)\n" +
        "  --workers N                  local worker processes (cores)\n" +
        "  --out DIR                    the sweep folder (runs/tune/NAME)\n" +
        "  --emit slurm|kubernetes      write the scheduler files instead of running; afterwards `nsg tune ... --collect`\n" +
        "  --collect                    only read the finished cells in DIR and write the tuned configuration\n" + ClusterArguments.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string data = args.Required("data");
        string? target = args.String("target");
        var baseOptions = new List<KeyValuePair<string, string?>> { new("data", data) };
        foreach (string option in new[] { "target", "task", "drop", "missing", "unknown-category", "scale", "limit", "split", "epochs", "patience", "batch" })
            if (args.String(option) is string value) baseOptions.Add(new(option, value));
        int budget = args.Int("budget", 20, 1, 100_000);
        int? splitsOption = args.String("splits") is null ? null : args.Int("splits", 1, 1, 1000);
        int searchSeed = args.Int("search-seed", 1);
        int workers = args.Int("workers", Environment.ProcessorCount, 1, 1024);
        string? emit = args.String("emit") is null ? null : args.Choice("emit", "", ClusterArguments.Schedulers);
        bool collectOnly = args.Flag("collect");
        var (cluster, onlyMissing) = ClusterArguments.Parse(args);
        string? outOption = args.String("out");
        args.EnsureAllConsumed();

        // The data decide the encoder's input width and the score (accuracy for classes, MSE otherwise).
        // A table file is measured as nsg train encodes it (one-hot categories, text labels); generated data as loaded.
        var spec0 = ExperimentOptions.Parse(new CliArguments(baseOptions.SelectMany(o => new[] { "--" + o.Key, o.Value! })));
        var shape = Shape(spec0);
        bool classification = shape.Classes > 0;
        // Without --splits: as many seeded splits as the nsg-tuned row's selection repeats (validation rows together ~1,000).
        int validationRows = Experiments.Comparison.SelectionSplits.ValidationRows(shape.Rows, spec0.Split);
        int splits = splitsOption is null ? Experiments.Comparison.SelectionSplits.RepeatsFor(validationRows) : splitsOption.Value;
        string name = "tune-" + Path.GetFileName(data).Split('.')[0];
        var spec = TuneSpace.Build(name, baseOptions, shape, budget, searchSeed, [1], classification ? "validation.accuracy" : "validation.mse");
        spec = spec with { Axes = [.. spec.Axes, new SweepAxis("data-seed", [.. Enumerable.Range(1, splits).Select(k => new AxisValue(k.ToString(CultureInfo.InvariantCulture), [new("data-seed", k.ToString(CultureInfo.InvariantCulture))]))])] };
        var folder = new SweepFolder(outOption ?? Path.Combine("runs", "tune", name));
        context.Error.WriteLine($"Tuning on {data} ({shape.Rows} rows, {shape.Inputs} encoded inputs, {(classification ? "classification" : "regression")}): {budget} candidates x {splits} split(s).");

        if (emit != null) return ClusterArguments.Emit(spec, folder, emit, cluster, onlyMissing, context);
        if (!collectOnly)
        {
            int code = SweepCommand.RunAndCollect(spec, folder, cluster.Nsg, workers, context);
            if (code == 130) return code;
        }
        else folder.Claim(spec);
        return Finish(folder, context);
    }

    private static DataShape Shape(ExperimentSpec spec)
    {
        if (spec.Data.IsTable)
        {
            var (inputs, rows, classes) = FileDataOptions.Shape(spec);
            return new DataShape(inputs, rows, classes);
        }
        var dataset = spec.Data.Load(spec.DataSeed);
        return new DataShape(dataset.Columns, dataset.Rows, dataset.Labels != null ? dataset.ClassCount : 0);
    }

    // The winner by TuneSweepChoice (the nsg-tuned row's rule: mean validation score over the splits, the defaults kept
    // unless the gain beats its standard error); its best split's model is copied to tuned-model.
    private static int Finish(SweepFolder folder, CliContext context)
    {
        var results = SweepCollector.Collect(folder);
        var (chosen, bestDrawn, trials) = Experiments.Comparison.TuneSweepChoice.Choose(results);
        if (chosen < 0)
        {
            context.Error.WriteLine($"nsg tune: no candidate finished in {folder.Root}.");
            return CliApp.Failure;
        }
        bool higher = SweepScore.HigherIsBetter(results.Score);
        string label = trials[chosen].Label;
        var cells = results.Cells.Where(c => c is { HasMetrics: true } && c.Values[TuneSpace.Axis] == label).ToList();
        var defaults = results.Cells.Where(c => c is { HasMetrics: true } && c.Values[TuneSpace.Axis] == TuneSpace.Defaults).ToList();
        var winner = cells.OrderBy(c => higher ? -c!.Number(results.Score) : c!.Number(results.Score)).First()!;
        var best = (Value: label, Score: trials[chosen].Validation,
            Test: SweepCollector.Median(cells.Select(c => c!.Number(results.TestMetric)).OfType<double>()), Cells: cells.Count);
        string model = Path.Combine(folder.Root, "tuned-model");
        if (Directory.Exists(model)) Directory.Delete(model, recursive: true);
        CopyDirectory(Path.Combine(folder.Cell(winner.Index), "run"), model);
        var arguments = winner.Arguments.Where((a, i) => a != "--data-seed" && (i == 0 || winner.Arguments[i - 1] != "--data-seed")).ToList();
        var summary = new
        {
            candidate = best.Value,
            validation = best.Score,
            test = best.Test,
            score = results.Score,
            testMetric = results.TestMetric,
            splits = best.Cells,
            defaultsValidation = trials[0].Validation,
            bestDrawn = bestDrawn < 0 ? null : new { candidate = trials[bestDrawn].Label, validation = trials[bestDrawn].Validation },
            defaultsTest = SweepCollector.Median(defaults.Select(c => c!.Number(results.TestMetric)).OfType<double>()),
            train = "nsg train " + string.Join(' ', arguments.Select(NsgCommand.ShellQuote)),
            arguments,
            model,
        };
        IO.AtomicFile.WriteAllText(Path.Combine(folder.Root, "tuned.json"), System.Text.Json.JsonSerializer.Serialize(summary, SweepJson.Options));
        if (context.Json) context.WriteJson(summary);
        else
        {
            context.Out.WriteLine($"Tuned: {best.Value}");
            context.Out.WriteLine($"  mean {results.Score} {best.Score:G4} (defaults {summary.defaultsValidation:G4}), median {results.TestMetric} {best.Test:G4} (defaults {summary.defaultsTest:G4}) over {best.Cells} split(s)");
            context.Out.WriteLine($"  {summary.train}");
            context.Out.WriteLine($"  model: {model}; configuration: {Path.Combine(folder.Root, "tuned.json")}");
        }
        return 0;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        foreach (string dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
