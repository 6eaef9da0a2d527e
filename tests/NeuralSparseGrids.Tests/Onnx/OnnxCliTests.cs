using System.Globalization;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Onnx;
using NeuralSparseGrids.Tests.Cli;

namespace NeuralSparseGrids.Tests.Onnx;

/// <summary>`nsg export` and `nsg predict --model FILE.onnx` on a trained run, against the TorchSharp predict path.</summary>
[Collection("Torch")]
public sealed class OnnxCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-onnx-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("swissroll")]
    [InlineData("twomoons")]
    public void Exported_run_predicts_like_the_torch_model_in_target_units(string data)
    {
        string run = Path.Combine(_dir, data), onnx = Path.Combine(_dir, data + ".onnx");
        var (code, _, stderr) = CliRunner.Run("train", "--data", data, "--out", run, "--count", "400", "--epochs", "5", "--level", "4", "--no-plots", "--json");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliRunner.Run("export", "--model", run, "--onnx", onnx, "--json");
        Assert.True(code == 0, stderr);

        using var trained = TrainedModel.Load(run);
        int inputs = trained.Model.Config.Inputs, rows = 50;
        var random = new Random(4);
        var features = Enumerable.Range(0, rows * inputs).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var expected = trained.Predict(features, rows);
        using var session = new NsgOnnxSession(onnx);
        var actual = session.Predict(Array.ConvertAll(features, v => (float)v), rows);
        if (expected.Labels.Length > 0)
        {
            OnnxExportTests.AssertClose(Array.ConvertAll(expected.Probabilities, v => (float)v), actual.Probabilities, "probabilities");
            Assert.Equal(expected.Labels.Select(l => (long)l), actual.Labels);
        }
        else OnnxExportTests.AssertClose(Array.ConvertAll(expected.Values, v => (float)v), actual.Values, "prediction (target units)");

        string input = Path.Combine(_dir, "in.csv"), output = Path.Combine(_dir, "out.csv");
        var header = string.Join(",", trained.Scaling.FeatureNames);
        File.WriteAllLines(input, [header, .. Enumerable.Range(0, rows).Select(r => string.Join(",",
            features.AsSpan(r * inputs, inputs).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))))]);
        (code, _, stderr) = CliRunner.Run("predict", "--model", onnx, "--input", input, "--output", output, "--json");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.Equal(rows + 1, lines.Length);
        if (expected.Labels.Length == 0)
            for (int r = 0; r < rows; r++)
                Assert.Equal(expected.Values[r], double.Parse(lines[r + 1].Split(',')[^1], CultureInfo.InvariantCulture), 1e-4 * Math.Max(1, Math.Abs(expected.Values[r])));
        else
            for (int r = 0; r < rows; r++)
                Assert.Equal(trained.Scaling.ClassNames[expected.Labels[r]], lines[r + 1].Split(',')[^1]);
    }
}
