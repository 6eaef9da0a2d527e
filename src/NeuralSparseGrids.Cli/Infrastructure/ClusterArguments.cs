using NeuralSparseGrids.Experiments.Sweeps;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>The scheduler options shared by `nsg sweep emit`, `nsg reproduce --emit` and `nsg tune --emit`.</summary>
public static class ClusterArguments
{
    /// <summary>Usage lines.</summary>
    public const string Usage =
        "  --nsg \"COMMAND\"              how tasks start nsg (default: this nsg's path; env NSG_COMMAND)\n" +
        "  --parallel P                 most tasks at once (Slurm %P, Kubernetes parallelism)\n" +
        "  --cpus N --mem 2G --time 02:00:00 --gpus N   resources per task\n" +
        "  --partition P --account A    Slurm placement\n" +
        "  --image IMAGE --volume CLAIM [--mount /sweep] [--namespace NS]   Kubernetes: image with nsg, shared PersistentVolumeClaim\n" +
        "  --only-missing               Slurm: only the cells without a result in DIR (continue an interrupted sweep)";

    /// <summary>Scheduler spellings.</summary>
    public static readonly IReadOnlyDictionary<string, string> Schedulers = new Dictionary<string, string> { ["slurm"] = "slurm", ["kubernetes"] = "kubernetes", ["k8s"] = "kubernetes" };

    /// <summary>Reads the options.</summary>
    public static (ClusterOptions Options, bool OnlyMissing) Parse(CliArguments args) => (new ClusterOptions
    {
        Nsg = NsgCommand.Resolve(args.String("nsg"), typeof(CliApp).Assembly),
        Parallel = args.String("parallel") is null ? null : args.Int("parallel", 1, 1, 100_000),
        Cpus = args.Int("cpus", 1, 1, 1024),
        Memory = args.String("mem", "2G")!,
        Time = args.String("time", "02:00:00"),
        Gpus = args.Int("gpus", 0, 0, 64),
        Partition = args.String("partition"),
        Account = args.String("account"),
        Image = args.String("image"),
        VolumeClaim = args.String("volume"),
        MountPath = args.String("mount", "/sweep")!,
        Namespace = args.String("namespace"),
    }, args.Flag("only-missing"));

    /// <summary>Writes the scheduler files for <paramref name="spec"/> into <paramref name="folder"/> and reports them.</summary>
    public static int Emit(SweepSpec spec, SweepFolder folder, string scheduler, ClusterOptions options, bool onlyMissing, CliContext context)
    {
        folder.Claim(spec);
        Directory.CreateDirectory(folder.Logs);
        if (onlyMissing)
        {
            var missing = Enumerable.Range(0, spec.CellCount).Where(i => folder.ReadResult(i) is not { Status: not CellStatus.Failed }).ToList();
            if (missing.Count == 0) { context.Out.WriteLine($"Every cell of {folder.Root} has a result; nothing to submit. Collect: {SchedulerScripts.CollectCommand(folder, options.Nsg)}"); return 0; }
            options = options with { Cells = missing };
        }
        string path, submit;
        if (scheduler == "slurm")
        {
            path = Path.Combine(folder.Root, "sweep.slurm");
            IO.AtomicFile.WriteAllText(path, SchedulerScripts.Slurm(spec, folder, options));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
            submit = $"sbatch {NsgCommand.ShellQuote(path)}";
        }
        else
        {
            path = Path.Combine(folder.Root, "sweep-job.yaml");
            IO.AtomicFile.WriteAllText(path, SchedulerScripts.Kubernetes(spec, options));
            submit = $"kubectl apply -f {NsgCommand.ShellQuote(path)}   (after copying {SweepFolder.SpecFileName} to the volume's {options.MountPath})";
        }
        string collect = scheduler == "slurm" ? SchedulerScripts.CollectCommand(folder, options.Nsg) : $"nsg sweep collect DIR   (DIR: the volume's {options.MountPath} where you can read it)";
        int cells = options.Cells?.Count ?? spec.CellCount;
        if (context.Json) context.WriteJson(new { scheduler, script = path, spec = folder.SpecPath, cells, submit, collect });
        else
        {
            context.Out.WriteLine($"Wrote {path} ({cells} of {spec.CellCount} cells) and {folder.SpecPath}");
            context.Out.WriteLine($"Submit:   {submit}");
            context.Out.WriteLine($"Collect:  {collect}");
        }
        return 0;
    }
}
