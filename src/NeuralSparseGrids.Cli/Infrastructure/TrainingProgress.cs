using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using Spectre.Console;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Shows a progress bar over epochs (interactive terminals only) while an action trains.</summary>
public static class TrainingProgress
{
    /// <summary>Runs <paramref name="train"/>, giving it the callbacks that drive the bar.</summary>
    public static T Run<T>(CliContext context, string title, int epochs, Func<IReadOnlyList<ITrainingCallback>, T> train)
    {
        if (!context.Interactive) return train([]);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: epochs);
                result = train([new BarCallback(task, title)]);
                task.Value = task.MaxValue;
            });
        return result;
    }

    private sealed class BarCallback(ProgressTask task, string title) : ITrainingCallback
    {
        public void OnBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) =>
            task.Value = epoch - 1 + batch / (double)batchesPerEpoch;

        public void OnEpochEnd(NeuralSparseGrid model, EpochReport report) =>
            task.Description = $"{title} [grey]epoch {report.Epoch} train {report.TrainLoss:G3} val {report.ValidationLoss:G3}[/]";
    }
}
