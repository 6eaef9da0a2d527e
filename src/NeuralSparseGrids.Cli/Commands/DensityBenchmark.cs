using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Regression;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>
/// `nsg bench density`: times fitting the class densities of a density head, on a trained model's training embeddings
/// (`--model DIR` with the run's data options) or on seeded synthetic clusters (`--synthetic ROWS`).
/// </summary>
internal static class DensityBenchmark
{
    public const string Usage =
        "nsg bench density (--model DIR --data SOURCE [the run's data/split options] | --synthetic ROWS --dim D --level N --classes C)\n" +
        "                  [--density-lambda L] [--density-level N] [--density-dense-limit P] [--density-box class|global] [--repeats R] [--json]\n\n" +
        "Times the class-density fit of the density head (lambda search on the validation rows included unless --density-lambda\n" +
        "is given): median of R fits in wall-clock and process-CPU seconds (the machine's load average beside them), the\n" +
        "per-candidate CG iterations and seconds, the solver (direct on grids of at most P points, else CG) and the thread count.";

    public static int Run(CliArguments args, CliContext context)
    {
        int repeats = args.Int("repeats", 3, 1, 100);
        double[] train, validation;
        int[] trainLabels, validationLabels;
        int classes;
        SparseGrid grid;
        string source;
        var options = ExperimentOptions.ParseDensityHead(args);
        if (args.String("synthetic") is not null)
        {
            int rows = args.Int("synthetic", 8000, 10, 10_000_000);
            int dim = args.Int("dim", 8, 1, 64);
            int level = args.Int("level", 4, 1, 30);
            classes = args.Int("classes", 10, 1, 1000);
            grid = SparseGrid.Create(dim, level, args.Choice("grid", GridType.Linear, ExperimentOptions.GridTypes), classes);
            (train, trainLabels) = Clusters(rows, dim, classes, 1);
            (validation, validationLabels) = Clusters(rows / 8, dim, classes, 2);
            source = $"synthetic clusters, {rows} rows";
        }
        else
        {
            string dir = args.Required("model");
            var spec = ExperimentOptions.Parse(args);
            using var trained = TrainedModel.Load(dir);
            (train, trainLabels, validation, validationLabels) = TrainingEmbeddings(trained, spec);
            classes = trained.Model.Config.Outputs;
            grid = DensityHead.GridFor(trained.Model, options);
            source = $"embeddings of {dir}, {trainLabels.Length} training rows";
        }
        args.EnsureAllConsumed();
        var seconds = new List<double>();
        var cpuSeconds = new List<double>();
        DensityHead? head = null;
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeats; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            head = DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, classes, options);
            seconds.Add(clock.Elapsed.TotalSeconds);
            process.Refresh();
            cpuSeconds.Add((process.TotalProcessorTime - cpu).TotalSeconds);
        }
        double median = Statistics.Median(seconds), medianCpu = Statistics.Median(cpuSeconds);
        double load = MachineLoad.OneMinute() ?? double.NaN;
        var trials = head!.Classifier.Densities.Trials;
        if (context.Json)
            context.WriteJson(new { source, dim = grid.Dim, level = grid.Level, grid = grid.Type.ToString(), subspaces = grid.SubspaceCount, points = head.Classifier.Densities.Grid.PointCount, classes, seconds, medianSeconds = median, cpuSeconds, medianCpuSeconds = medianCpu, loadAverage = load,
                threads = Environment.ProcessorCount, solver = Solver(head.Classifier.Densities), trials, lambdas = head.Classifier.Densities.Lambdas, finalIterations = head.Classifier.Densities.Iterations });
        else
        {
            context.Out.WriteLine($"Class densities on {source}: {grid}, {classes} classes, {Environment.ProcessorCount} threads, {Solver(head!.Classifier.Densities)} solves");
            foreach (var t in trials) context.Out.WriteLine($"  lambda {t.Lambda:G2}: {t.Iterations} CG iterations, {t.Seconds:F2} s");
            context.Out.WriteLine($"Fit: median {median:F2} s wall of {repeats} ({string.Join(", ", seconds.Select(s => s.ToString("F2")))}), {medianCpu:F2} s process CPU " +
                                  $"(load average {load:F1} on {Environment.ProcessorCount} cores); final solve {head.Classifier.Densities.Iterations} iterations");
        }
        return 0;
    }

    /// <summary>
    /// The frozen encoder's embeddings (rows, latent) of the run's training and validation splits (re-created from the
    /// run's data options) with their labels; the model must be a classifier.
    /// </summary>
    internal static (double[] Train, int[] TrainLabels, double[] Validation, int[] ValidationLabels) TrainingEmbeddings(TrainedModel trained, ExperimentSpec spec)
    {
        DensityHead.EnsureClassification(trained.Model.Config.Task);
        using var data = ExperimentRunner.Prepare(spec with { Model = trained.Model.Config });
        static int[] Labels(Training.TrainingSplit split) => split.Y.data<long>().ToArray().Select(l => (int)l).ToArray();
        return (DensityHead.Embed(trained.Model, data.Train.X), Labels(data.Train), DensityHead.Embed(trained.Model, data.Validation.X), Labels(data.Validation));
    }

    private static string Solver(SparseGridDensity densities) => densities.SolvedDirectly ? "direct (dense Cholesky)" : "conjugate-gradient";

    // Seeded Gaussian clusters in [0.1, 0.9]^d, one per class.
    private static (double[] X, int[] Labels) Clusters(int rows, int dim, int classes, int seed)
    {
        var centres = new Random(0);
        var c = Enumerable.Range(0, classes * dim).Select(_ => 0.25 + 0.5 * centres.NextDouble()).ToArray();
        var random = new Random(seed);
        var x = new double[rows * dim];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = i % classes;
            for (int j = 0; j < dim; j++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                x[i * dim + j] = Math.Clamp(c[labels[i] * dim + j] + 0.05 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2), 0.1, 0.9);
            }
        }
        return (x, labels);
    }
}
