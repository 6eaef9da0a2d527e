using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Tests.Cli;
using NeuralSparseGrids.Tests.Plotting;

namespace NeuralSparseGrids.Tests.Experiments;

[Collection("Torch")]
public sealed class RunPlotsTests
{
    [Fact]
    public void Train_writes_plots_and_plot_command_redraws_them()
    {
        using var run = new TempDir();
        using var again = new TempDir();
        var (code, stdout, error) = CliRun.Run("train", "--data", "twomoons", "--count", "200", "--epochs", "3", "--batch", "32", "--out", run.Path, "--json");
        Assert.True(code == 0, error);
        string[] expected = ["loss-curves.png", "dimension-distributions.png", "embeddings.png", "embeddings-over-epochs.png", "heatmap.png"];
        Assert.Equal(expected.Length, CliRun.LastJson(stdout).GetProperty("plots").GetArrayLength());
        foreach (var f in expected) PngAssert.IsPng(Path.Combine(run.Path, f));

        var data = RunPlotData.Load(Path.Combine(run.Path, RunPlotData.FileName));
        Assert.Equal(["epoch 1", "epoch 2", "epoch 3"], data.Snapshots.Select(s => s.Label));
        Assert.Equal(data.TrainLabels!.Length * 2, data.TrainEmbeddings.Length);

        (code, stdout, error) = CliRun.Run("plot", "--run", run.Path, "--to", again.Path, "--json");
        Assert.True(code == 0, error);
        foreach (var f in expected) PngAssert.IsPng(Path.Combine(again.Path, f));
        Assert.Equal(expected.Length, CliRun.LastJson(stdout).GetProperty("files").GetArrayLength());
    }

    [Fact]
    public void No_plots_flag_skips_them_and_plot_on_a_missing_run_is_an_error()
    {
        using var run = new TempDir();
        var (code, _, error) = CliRun.Run("train", "--data", "twomoons", "--count", "100", "--epochs", "1", "--out", run.Path, "--no-plots", "--json");
        Assert.True(code == 0, error);
        Assert.Empty(Directory.GetFiles(run.Path, "*.png"));
        Assert.False(File.Exists(Path.Combine(run.Path, RunPlotData.FileName)));

        (code, _, error) = CliRun.Run("plot", "--run", Path.Combine(run.Path, "nope"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", error);
    }
}
