using System.Globalization;
using System.Text;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Tests.Plotting;

namespace NeuralSparseGrids.Tests.Experiments;

[Collection("Torch")]
public sealed class SpectraSmokeTests
{
    /// <summary>Spectra of 50 wavelengths generated from 3 latent parameters (line position, depth, continuum slope) and 3 targets derived from them.</summary>
    private static void WriteSpectra(string path, int rows, int seed)
    {
        var random = new Random(seed);
        var csv = new StringBuilder(string.Join(",", Enumerable.Range(0, 50).Select(j => $"w{j}")) + ",teff,logg,feh\n");
        for (int i = 0; i < rows; i++)
        {
            double a = random.NextDouble(), b = random.NextDouble(), c = random.NextDouble();
            var flux = Enumerable.Range(0, 50).Select(j =>
            {
                double w = j / 49.0;
                return 1 + 0.5 * c * w - (0.2 + 0.6 * b) * Math.Exp(-(w - (0.2 + 0.6 * a)) * (w - (0.2 + 0.6 * a)) / 0.005) + 0.005 * (random.NextDouble() - 0.5);
            });
            csv.AppendLine(string.Join(",", flux.Concat([4000 + 4000 * a, 1 + 4 * b * b, -2 + 2 * c]).Select(v => v.ToString("G6", CultureInfo.InvariantCulture))));
        }
        File.WriteAllText(path, csv.ToString());
    }

    [Fact]
    public void Spectra_preset_trains_three_targets_and_beats_the_mean_predictor()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "spectra.csv");
        WriteSpectra(file, 160, seed: 11);
        var args = new CliArguments(["--data", "spectra:" + file, "--target", "teff,logg,feh", "--preset", "spectra", "--lr", "0.002", "--epochs", "30", "--batch", "16"]);
        var spec = ExperimentOptions.Parse(args);
        args.EnsureAllConsumed();
        string run = Path.Combine(dir.Path, "run");
        var result = ExperimentRunner.Run(spec, outDir: run);
        Assert.Null(result.Divergence);

        var data = RunPlotData.Load(Path.Combine(run, RunPlotData.FileName));
        Assert.Equal(3, data.Outputs);
        int rows = data.TestRows;
        double baseline = 0;
        for (int k = 0; k < 3; k++)
        {
            var y = Enumerable.Range(0, rows).Select(r => data.TestActual[r * 3 + k]).ToArray();
            baseline += y.Select(v => (v - y.Average()) * (v - y.Average())).Average() / 3;
        }
        Assert.True(result.Test.MseRaw < 0.5 * baseline, $"test MSE {result.Test.MseRaw:G4} vs mean predictor {baseline:G4}");

        var plots = NeuralSparseGrids.Experiments.RunPlots.Write(run);
        foreach (var name in new[] { "predicted-vs-actual-teff.png", "predicted-vs-actual-logg.png", "predicted-vs-actual-feh.png", "dimension-distributions.png", "dimension-distributions-epoch-1.png" })
            PngAssert.IsPng(Path.Combine(run, name));
        Assert.Contains(plots.Skipped, s => s.Contains("2-d latent"));
    }
}
