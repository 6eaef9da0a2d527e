using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Plotting;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>What <see cref="RunPlots.Write"/> produced.</summary>
/// <param name="Files">PNG files written (full paths).</param>
/// <param name="Skipped">Plots not drawn, each with the reason.</param>
public sealed record RunPlotsResult(IReadOnlyList<string> Files, IReadOnlyList<string> Skipped);

/// <summary>
/// The standard plots of a finished run directory (written by <c>nsg train --out DIR</c>): loss curves; predicted vs
/// actual per regression output; per-dimension embedding distributions (any d, also per snapshot when d != 2); and for
/// a 2-d latent space the embeddings with grid and activated points, embeddings over epochs and the learned function
/// (regression) or class probability (classification) over [0,1]^2.
/// </summary>
public static class RunPlots
{
    /// <summary>Heatmap resolution (cells per side).</summary>
    public const int HeatmapResolution = 120;

    /// <summary>Writes the plots into <paramref name="outputDir"/> (default: <paramref name="runDir"/>).</summary>
    public static RunPlotsResult Write(string runDir, string? outputDir = null)
    {
        using var run = TrainedModel.Load(runDir);
        string dir = outputDir ?? runDir;
        Directory.CreateDirectory(dir);
        var files = new List<string>();
        var skipped = new List<string>();
        var model = run.Model;
        bool classification = model.Config.Task == NsgTask.Classification;
        int d = model.Config.Latent;

        var history = run.State.History;
        if (history.Count > 0)
        {
            var validation = history.Select(e => e.ValidationLoss).ToArray();
            Plots.LossCurves(Add(files, dir, "loss-curves.png"), history.Select(e => e.TrainLoss).ToArray(),
                validation.All(double.IsFinite) ? validation : null, classification ? "cross-entropy" : "MSE (normalised)", logScale: !classification);
        }
        else skipped.Add("loss-curves: no epochs in the history");

        string dataPath = Path.Combine(runDir, RunPlotData.FileName);
        RunPlotData? data = File.Exists(dataPath) ? RunPlotData.Load(dataPath) : null;
        if (data == null) skipped.Add($"predictions and embeddings: {RunPlotData.FileName} missing (trained with --no-plots or an older version)");
        else
        {
            if (!classification) PredictedVsActual(data, dir, files);
            if (data.TrainEmbeddings.Length > 0)
                Plots.DimensionDistributions(Add(files, dir, "dimension-distributions.png"), data.TrainEmbeddings, d,
                    "Training embeddings per latent dimension", (0, 1));
            if (d == 2)
            {
                var mask = run.Coverage?.Mask;
                Plots.Embeddings2D(Add(files, dir, "embeddings.png"), data.TrainEmbeddings, data.TrainTargets, data.TrainLabels,
                    model.Grid.AllCoordinates(), mask,
                    mask == null ? "Training embeddings" : $"Training embeddings; {mask.Count(a => a)} of {mask.Length} grid points activated", Extent2D.Unit,
                    classification ? run.Scaling.ClassNames : null, classification ? null : TargetName(run));
                if (data.Snapshots.Count > 0)
                    Plots.EmbeddingsOverEpochs(Add(files, dir, "embeddings-over-epochs.png"), data.Snapshots, extent: Extent2D.Unit);
            }
            else
                foreach (var s in data.Snapshots)
                    Plots.DimensionDistributions(Add(files, dir, $"dimension-distributions-{Slug(s.Label)}.png"), s.Embeddings, d,
                        $"Embeddings per latent dimension, {s.Label}", (0, 1));
        }

        if (d == 2) Heatmap(model, run, data, dir, files);
        else skipped.Add($"embeddings, embeddings-over-epochs, heatmap: need a 2-d latent space (d = {d})");
        return new RunPlotsResult(files, skipped);
    }

    private static void PredictedVsActual(RunPlotData data, string dir, List<string> files)
    {
        int outputs = data.Outputs, rows = data.TestRows;
        if (rows == 0) return;
        for (int k = 0; k < outputs; k++)
        {
            var p = new double[rows];
            var a = new double[rows];
            for (int r = 0; r < rows; r++) { p[r] = data.TestPredicted[r * outputs + k]; a[r] = data.TestActual[r * outputs + k]; }
            string name = k < data.Names.Length ? data.Names[k] : $"output {k + 1}";
            double mse = p.Zip(a, (x, y) => (x - y) * (x - y)).Average();
            string file = outputs == 1 ? "predicted-vs-actual.png" : $"predicted-vs-actual-{Slug(name)}.png";
            Plots.PredictedVsActual(Add(files, dir, file), p, a, $"Test set: {name} (MSE {mse:G3})");
        }
    }

    private static void Heatmap(NeuralSparseGrid model, TrainedModel run, RunPlotData? data, string dir, List<string> files)
    {
        bool classification = model.Config.Task == NsgTask.Classification;
        int classes = model.Config.Outputs;
        string title = classification
            ? classes == 2 ? $"Probability of class {ClassName(run, 1)}" : "Probability of the predicted class"
            : $"Learned function: {TargetName(run)}";
        var values = LatentFunctionSampler.Sample2DBatched(points =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var h = torch.tensor(Array.ConvertAll(points, v => (float)v), new long[] { points.Length / 2, 2 });
            var output = model.Head.forward(h);
            if (classification)
            {
                var p = nn.functional.softmax(output, 1);
                var v = classes == 2 ? p.select(1, 1) : p.max(1).values;
                return v.to(ScalarType.Float64).data<double>().ToArray();
            }
            var y = output.to(ScalarType.Float64).data<double>().ToArray();
            if (run.Scaling.Targets != null)
                y = Data.MinMaxScaler.FromState(run.Scaling.Targets).InverseTransform(y, points.Length / 2);
            int outputs = model.Config.Outputs;
            return Enumerable.Range(0, points.Length / 2).Select(r => y[r * outputs]).ToArray();
        }, HeatmapResolution, Extent2D.Unit);
        string colorLabel = classification
            ? classes == 2 ? $"P({run.Scaling.Table?.Target ?? "class"} = {ClassName(run, 1)})" : "probability of the predicted class"
            : TargetName(run) + (run.Scaling.Targets != null ? " (target units)" : "");
        Plots.Heatmap(Add(files, dir, "heatmap.png"), values, Extent2D.Unit, title, data?.TrainEmbeddings is { Length: > 0 } h2 ? h2 : null, colorLabel);
    }

    private static string TargetName(TrainedModel run) => run.Scaling.TargetNames.Length > 0 ? run.Scaling.TargetNames[0] : "output 1";

    private static string ClassName(TrainedModel run, int k) => k < run.Scaling.ClassNames.Length ? run.Scaling.ClassNames[k] : k.ToString();

    private static string Add(List<string> files, string dir, string name)
    {
        string path = Path.GetFullPath(Path.Combine(dir, name));
        files.Add(path);
        return path;
    }

    private static string Slug(string s)
    {
        var chars = s.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        string slug = string.Join("-", new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "x" : slug;
    }
}
