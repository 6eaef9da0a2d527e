using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg compare-boundary`: trains under the four boundary treatments of thesis 3.4.3 and reports which get stuck.</summary>
public sealed class CompareBoundaryCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "compare-boundary";

    /// <inheritdoc />
    public string Summary => "Compare boundary treatments (none, margin, extended boundary, modified linear) on MNIST: who gets stuck at ln 10?";

    /// <inheritdoc />
    public string Usage => "nsg compare-boundary [--quick] [--treatments none,margin,extended-boundary,modified-linear] [experiment options] [--json]\n\n" +
                           "Trains the same experiment (default: --preset mnist on the MNIST digits) once per treatment, replacing --rescale and --grid:\n" +
                           "  none = sigmoid + linear, margin = margin:0.1 + linear, extended-boundary = sigmoid + extended-boundary,\n" +
                           "  modified-linear = sigmoid + modified-linear. A run is 'stuck' when its last training loss is within 5% of ln(classes).\n" +
                           "  --quick     defaults for a few minutes: --limit 2000 --epochs 3 --batch 64\n" +
                           "  Coefficients start at zero (--coef-init zeros), as in the thesis: with small random ones the untreated model\n" +
                           "  does not get stuck.\n\n" + ExperimentOptions.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        if (args.Flag("quick"))
            foreach (var (name, value) in new[] { ("limit", "2000"), ("epochs", "3"), ("batch", "64") }) args.SetDefault(name, value);
        args.SetDefault("preset", "mnist");
        args.SetDefault("coef-init", "zeros");
        string? names = args.String("treatments");
        var spec = ExperimentOptions.Parse(args, defaultData: DataSources.Mnist);
        args.EnsureAllConsumed();
        var treatments = BoundaryComparison.Treatments;
        if (names != null)
        {
            var wanted = names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = wanted.Where(w => treatments.All(t => t.Name != w)).ToList();
            if (wanted.Length == 0 || unknown.Count > 0)
                throw new CliUsageException($"--treatments: unknown {string.Join(", ", unknown)}; choose from {string.Join(", ", treatments.Select(t => t.Name))}.");
            treatments = treatments.Where(t => wanted.Contains(t.Name)).ToList();
        }
        var outcomes = BoundaryComparison.Run(spec, treatments, o =>
        {
            if (!context.Json)
                context.Out.WriteLine($"{o.Treatment.Name,-18} grid points {o.GridPoints,7}  final train loss {o.FinalTrainLoss,7:F4} (ln K = {o.ChanceLoss:F3})  " +
                                      $"{(o.Stuck ? "STUCK" : "learns"),-6}  test accuracy {o.TestAccuracy:P2}  {o.Seconds:F0} s");
        });
        if (context.Json)
            context.WriteJson(new
            {
                treatments = outcomes.Select(o => new
                {
                    name = o.Treatment.Name, rescale = o.Treatment.Rescale, grid = o.Treatment.Grid.ToString(), gridPoints = o.GridPoints,
                    finalTrainLoss = o.FinalTrainLoss, chanceLoss = o.ChanceLoss, stuck = o.Stuck, testAccuracy = o.TestAccuracy,
                    seconds = o.Seconds, trainLosses = o.TrainLosses,
                }),
            });
        return 0;
    }
}
