using NeuralSparseGrids.Experiments.Comparison;
using Spectre.Console;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>
/// Shows a comparison's progress over splits x methods: a Spectre.Console bar on interactive terminals, otherwise one
/// line per finished step on stderr (so logs of long runs show where they are).
/// </summary>
public static class ComparisonProgress
{
    /// <summary>Runs <paramref name="run"/>, handing it the progress callback.</summary>
    public static T Run<T>(CliContext context, string title, Func<Action<ComparisonStep>, T> run)
    {
        if (!context.Interactive)
            return run(step =>
            {
                if (step.Outcome is { } o)
                    context.Error.WriteLine($"{title}: [{step.Done}/{step.Total}] split {step.Seed} {step.Method}: " +
                                            (o.Failed ? $"FAILED ({o.Detail})" : $"{o.Score:G4} in {o.FitSeconds:F1} s ({o.Detail})"));
            });
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                result = run(step =>
                {
                    task ??= ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(step.Total, 1));
                    task.Value = step.Done;
                    task.Description = Markup.Escape($"{title}: split {step.Seed} {step.Method}") +
                                       (step.Outcome is { Failed: true } ? " [red]failed[/]" : "");
                });
                if (task != null) task.Value = task.MaxValue;
            });
        return result;
    }
}
