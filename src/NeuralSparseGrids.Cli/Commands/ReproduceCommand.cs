using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Reproduction;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg reproduce TABLE`: reruns a thesis table and writes thesis vs ours side by side.</summary>
public sealed class ReproduceCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "reproduce";

    /// <inheritdoc />
    public string Summary => "Rerun a thesis table (3.1-3.15, fig3.8) and compare with the published numbers.";

    /// <inheritdoc />
    public string Usage =>
        "nsg reproduce TABLE [--quick] [--seeds K] [--out DIR] [--data spectra:FILE.csv --target COL [--max-rows N]] [--json]\n\n" +
        $"  TABLE                        one of {ThesisTables.Ids}\n" +
        "  --quick                      reduced epochs, data and seeds (minutes, not hours; numbers not comparable in absolute terms)\n" +
        "  --seeds K                    seeds per cell (default: 3, Table 3.11: 10; --quick: 1)\n" +
        "  --out DIR                    where TABLE.csv and TABLE.md go (default runs/reproduce)\n" +
        "  --data spectra:FILE.csv --target COL   the stellar spectra for Tables 3.3-3.5 and the stellar columns of 3.12/3.15\n" +
        "  --max-rows N                 keep N random rows of --data (the thesis uses a 50000-row subset)\n" +
        "  --json                       last stdout line: one JSON object with the cells\n\n" +
        "On the sweep engine (every experiment x seed a cell; the table's spec is kept in sweeps/thesis/):\n" +
        "  --workers N                  run the cells as N local worker processes in --out (resumable), then write the table\n" +
        "  --emit slurm|kubernetes      write a Slurm array script / Kubernetes Indexed Job for the cells into --out;\n" +
        "                               afterwards `nsg sweep collect DIR` writes the same side-by-side table\n" +
        "  --write-spec FILE            only write the table's sweep spec\n" + ClusterArguments.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string id = args.Positional() ?? throw new CliUsageException($"Which table? nsg reproduce TABLE, with TABLE one of {ThesisTables.Ids}.");
        bool quick = args.Flag("quick");
        int? seeds = args.String("seeds") is null ? null : args.Int("seeds", 1, 1, 1000);
        string outDir = args.String("out", Path.Combine("runs", "reproduce"))!;
        string? data = args.String("data");
        string? target = args.String("target");
        int? maxRows = args.String("max-rows") is null ? null : args.Int("max-rows", 1, 1, int.MaxValue);
        int? workers = args.String("workers") is null ? null : args.Int("workers", 1, 1, 1024);
        string? emit = args.String("emit") is null ? null : args.Choice("emit", "", ClusterArguments.Schedulers);
        string? writeSpec = args.String("write-spec");
        var (cluster, onlyMissing) = emit is null ? (null, false) : ClusterArguments.Parse(args);
        string? nsg = emit is null ? args.String("nsg") : null;
        args.EnsureAllConsumed();
        var table = ThesisTables.Find(id) ?? throw new CliUsageException($"Unknown table '{id}'. Tables: {ThesisTables.Ids}.");
        if (data is null && (target != null || maxRows != null)) throw new CliUsageException("--target and --max-rows need --data.");
        if (data != null && target is null) throw new CliUsageException("--data needs --target COL (the [Fe/H] column).");
        var userData = data is null ? null : new DataSpec { Source = data, TableOptions = new() { Target = target, Task = Data.DatasetTask.Regression }, Limit = maxRows };
        if (table.RequiresUserData && userData is null)
        {
            context.Error.WriteLine($"nsg reproduce: table {table.Id} needs user data. {ThesisTables.SpectraHelp}");
            return CliApp.UsageError;
        }

        var options = new ReproduceOptions { Quick = quick, Seeds = seeds, UserData = userData, Log = line => context.Error.WriteLine(line) };
        if (writeSpec != null || emit != null || workers != null)
        {
            var spec = ThesisSweeps.Build(table, options);
            if (writeSpec != null)
            {
                IO.AtomicFile.WriteAllText(writeSpec, Experiments.Sweeps.SweepSpecWriter.ToJson(spec));
                context.Out.WriteLine($"Wrote {writeSpec} ({spec.CellCount} cells)");
                return 0;
            }
            var folder = new Experiments.Sweeps.SweepFolder(args.String("out") is null ? Path.Combine(outDir, spec.Name) : outDir);
            if (emit != null) return ClusterArguments.Emit(spec, folder, emit, cluster!, onlyMissing, context);
            return SweepCommand.RunAndCollect(spec, folder, Experiments.Sweeps.NsgCommand.Resolve(nsg, typeof(CliApp).Assembly), workers!.Value, context);
        }
        var result = ReproductionRunner.Run(table, options);
        var (csv, md) = TableReport.Write(result, outDir);
        var figures = TableFigures.Write(result, outDir);
        if (context.Json)
        {
            context.WriteJson(new
            {
                table = table.Id,
                seeds = result.Seeds,
                quick = result.Scale != null,
                seconds = result.Seconds,
                csv,
                markdown = md,
                figures,
                cells = result.Cells.Select(c => new
                {
                    row = c.Cell.Row, column = c.Cell.Column, measure = c.Cell.Measure.ToString(), thesis = c.Cell.Thesis,
                    ours = c.Ours, min = c.Min, max = c.Max, values = c.Values, diverged = c.Diverged, note = c.Cell.Note,
                }),
            });
        }
        else
        {
            context.Out.WriteLine(TableReport.ToMarkdown(result));
            context.Out.WriteLine($"Written {csv} and {md}");
            foreach (var figure in figures) context.Out.WriteLine($"Written {figure}");
        }
        return 0;
    }
}
