using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Writes a run's result files (atomically): result.json and history.csv.</summary>
public static class RunFiles
{
    /// <summary>Writes the files into <paramref name="dir"/>.</summary>
    public static void Write(string dir, ExperimentSpec spec, ExperimentResult result)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "result.json"), JsonSerializer.Serialize(new { spec = Describe(spec, result), result }, JsonSettings.Options));
        var csv = new StringBuilder("epoch,train_loss,validation_loss,validation_metric,learning_rate,seconds,bursts\n");
        foreach (var e in result.History)
            csv.AppendLine(string.Join(",", new object[] { e.Epoch, e.TrainLoss, e.ValidationLoss, e.ValidationMetric, e.LearningRate, e.Seconds, e.Bursts }
                .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        AtomicFile.WriteAllText(Path.Combine(dir, "history.csv"), csv.ToString());
    }

    /// <summary>Writes latent-stats.csv: one row per recorded epoch (diameter, bounding box, visited cells).</summary>
    public static void WriteLatentStatistics(string dir, IReadOnlyList<LatentEpochStatistics> history)
    {
        int d = history.Count == 0 ? 0 : history[0].Min.Length;
        var csv = new StringBuilder("epoch,diameter,bounding_box_diagonal,visited_fraction");
        for (int k = 0; k < d; k++) csv.Append($",min{k + 1},max{k + 1}");
        csv.AppendLine();
        foreach (var h in history)
        {
            var values = new List<double> { h.Diameter, h.BoundingBoxDiagonal, h.VisitedFraction };
            for (int k = 0; k < d; k++) { values.Add(h.Min[k]); values.Add(h.Max[k]); }
            csv.AppendLine(h.Epoch.ToString(CultureInfo.InvariantCulture) + "," + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        AtomicFile.WriteAllText(Path.Combine(dir, "latent-stats.csv"), csv.ToString());
    }

    private static object Describe(ExperimentSpec spec, ExperimentResult result) => new
    {
        data = spec.Data.Describe(),
        model = result.Model ?? spec.Model,
        training = spec.Training,
        split = new[] { spec.Split.Train, spec.Split.Validation, spec.Split.Test },
        dataSeed = spec.DataSeed,
    };
}
