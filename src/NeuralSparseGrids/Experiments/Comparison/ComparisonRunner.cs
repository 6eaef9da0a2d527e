using System.Diagnostics;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>Settings of a comparison run.</summary>
public sealed record ComparisonOptions
{
    /// <summary>Number of splits; seeds 1 .. Splits (default 5, the suite's protocol).</summary>
    public int Splits { get; init; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> for invalid settings.</summary>
    public void Validate()
    {
        if (Splits < 1) throw new ArgumentException($"At least one split is needed (got {Splits}).");
    }
}

/// <summary>Progress of a comparison: one step per (split, method).</summary>
/// <param name="Done">Steps finished.</param>
/// <param name="Total">Splits x methods.</param>
/// <param name="Method">Method just finished (or starting when <paramref name="Outcome"/> is null).</param>
/// <param name="Seed">Its split seed.</param>
/// <param name="Outcome">The outcome, or null when the step is starting.</param>
public sealed record ComparisonStep(int Done, int Total, string Method, int Seed, SplitOutcome? Outcome);

/// <summary>The outcome of <see cref="ComparisonRunner.Run"/>.</summary>
public sealed record ComparisonResult
{
    /// <summary>The problem compared on.</summary>
    public required ComparisonProblem Problem { get; init; }

    /// <summary>The split seeds, in order.</summary>
    public required int[] Seeds { get; init; }

    /// <summary>Rows of the training, validation and test parts (of the first split; equal for all).</summary>
    public required int[] SplitRows { get; init; }

    /// <summary>One summary per method, in the order asked for.</summary>
    public required IReadOnlyList<MethodSummary> Methods { get; init; }

    /// <summary>Name of the score: "accuracy" or "rmse".</summary>
    public string Metric => Problem.Task == DatasetTask.Classification ? "accuracy" : "rmse";

    /// <summary>True for accuracy, false for RMSE.</summary>
    public bool HigherIsBetter => Problem.Task == DatasetTask.Classification;

    /// <summary>Wall-clock seconds of the whole comparison.</summary>
    public double Seconds { get; init; }
}

/// <summary>
/// Runs every method on the same seeded splits, in one run: for each seed the split is made (and preprocessed) once and
/// handed to every method, which fits on its training part (validation for selection) and predicts its test part.
/// A method that throws on a split is recorded as failed there with its message; the others go on.
/// </summary>
public static class ComparisonRunner
{
    /// <summary>Runs the comparison.</summary>
    /// <param name="data">Splits per seed.</param>
    /// <param name="methods">Methods, in report order (names must be distinct).</param>
    /// <param name="options">Number of splits.</param>
    /// <param name="progress">Called before and after each (split, method) step.</param>
    public static ComparisonResult Run(IComparisonData data, IReadOnlyList<IComparisonMethod> methods, ComparisonOptions? options = null,
        Action<ComparisonStep>? progress = null)
    {
        options ??= new ComparisonOptions();
        options.Validate();
        if (methods.Count == 0) throw new ArgumentException("At least one method is needed.", nameof(methods));
        var duplicate = methods.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ArgumentException($"Method '{duplicate.Key}' is listed twice.", nameof(methods));
        var watch = Stopwatch.StartNew();
        var problem = data.Problem;
        var reasons = methods.Select(m => m.NotApplicable(problem)).ToArray();
        var outcomes = methods.Select(_ => new List<SplitOutcome>()).ToArray();
        var seeds = Enumerable.Range(1, options.Splits).ToArray();
        int total = seeds.Length * methods.Count(m => m.NotApplicable(problem) == null), done = 0;
        int[] splitRows = [];
        foreach (int seed in seeds)
        {
            var split = data.Split(seed);
            if (splitRows.Length == 0) splitRows = [split.Train.Rows, split.Validation.Rows, split.Test.Rows];
            for (int m = 0; m < methods.Count; m++)
            {
                if (reasons[m] != null) continue;
                progress?.Invoke(new ComparisonStep(done, total, methods[m].Name, seed, null));
                var outcome = RunOne(methods[m], split, seed);
                outcomes[m].Add(outcome);
                progress?.Invoke(new ComparisonStep(++done, total, methods[m].Name, seed, outcome));
            }
        }
        return new ComparisonResult
        {
            Problem = problem,
            Seeds = seeds,
            SplitRows = splitRows,
            Methods = methods.Select((m, i) => new MethodSummary { Name = m.Name, NotApplicable = reasons[i], Splits = outcomes[i] }).ToList(),
            Seconds = watch.Elapsed.TotalSeconds,
        };
    }

    private static SplitOutcome RunOne(IComparisonMethod method, DatasetSplit split, int seed)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var fitted = method.Fit(split, seed);
            double seconds = watch.Elapsed.TotalSeconds;
            return new SplitOutcome(seed, Score(fitted.Predict(split.Test), split.Test), seconds, fitted.Detail);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new SplitOutcome(seed, double.NaN, watch.Elapsed.TotalSeconds, $"{e.GetType().Name}: {e.Message}", Failed: true);
        }
    }

    /// <summary>
    /// Test score of <paramref name="predicted"/> on <paramref name="test"/>: accuracy (fraction of rows whose predicted
    /// label equals the true one) for classification; root mean squared error over all rows and outputs, in target
    /// units, for regression.
    /// </summary>
    public static double Score(double[] predicted, Dataset test)
    {
        if (test.Task == DatasetTask.Classification)
        {
            if (predicted.Length != test.Rows) throw new InvalidOperationException($"{predicted.Length} predicted labels for {test.Rows} test rows.");
            int correct = 0;
            for (int i = 0; i < test.Rows; i++) if (predicted[i] == test.Labels![i]) correct++;
            return correct / (double)test.Rows;
        }
        int outputs = test.TargetCount;
        if (predicted.Length != test.Rows * outputs) throw new InvalidOperationException($"{predicted.Length} predictions for {test.Rows} test rows x {outputs} outputs.");
        double se = 0;
        for (int i = 0; i < test.Rows; i++)
            for (int k = 0; k < outputs; k++)
            {
                double r = predicted[i * outputs + k] - test.Targets![i, k];
                se += r * r;
            }
        return Math.Sqrt(se / predicted.Length);
    }
}
