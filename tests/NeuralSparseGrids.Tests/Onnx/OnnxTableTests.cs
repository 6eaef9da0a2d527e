using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using NeuralSparseGrids.Onnx;
using NeuralSparseGrids.Tests.Cli;
using NeuralSparseGrids.Tests.Data;

namespace NeuralSparseGrids.Tests.Onnx;

/// <summary>
/// Models trained on a CSV with categorical columns: the exported graph does the table encoding (imputation, min-max
/// or standard scaling, one-hot) itself, so ONNX Runtime on the raw rows predicts what `nsg predict` on the run does.
/// </summary>
[Collection("Torch")]
public sealed class OnnxTableTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Colours = ["red", "green", "blue"];
    private static readonly string[] Sizes = ["S", "M", "L", "XL"];

    // Rows from `first`: a year-like column (a large offset, which float32 inputs would blur), a number, a quoted and an
    // unquoted text category, the target last; NA cells in both kinds of column with `missing`.
    private static string Table(bool classification, bool missing, int first, int rows, bool reorder = false)
    {
        var lines = new List<string> { reorder ? "size,x,colour,year,y" : "year,x,colour,size,y" };
        for (int i = first; i < first + rows; i++)
        {
            double year = 1990 + i * 7 % 31 + 0.25 * (i % 4), x = i * 37 % 120 / 40.0 - 1.5;
            int colour = i % 3;
            string size = Sizes[i * 5 % 4];
            string y = classification
                ? (x + (colour == 0 ? 1 : 0) > 0.3 ? "\"high\"" : "\"low\"")
                : (x + 0.5 * colour + 0.05 * (year - 2000)).ToString("R", CultureInfo.InvariantCulture);
            string yearCell = missing && i % 17 == 5 ? "NA" : year.ToString("R", CultureInfo.InvariantCulture);
            string colourCell = missing && i % 19 == 7 ? "NA" : $"\"{Colours[colour]}\"";
            string xCell = x.ToString("R", CultureInfo.InvariantCulture);
            lines.Add(reorder ? $"{size},{xCell},{colourCell},{yearCell},{y}" : $"{yearCell},{xCell},{colourCell},{size},{y}");
        }
        return string.Join("\n", lines) + "\n";
    }

    [Theory]
    [InlineData(false, "minmax", "error")]
    [InlineData(true, "standard", "impute-median")]
    public void Onnx_on_the_raw_csv_predicts_like_nsg_predict_on_the_run(bool classification, string scale, string missing)
    {
        bool withMissing = missing == "impute-median";
        string data = _dir.File("train.csv", Table(classification, withMissing, 0, 160)), run = Path.Combine(_dir.Path, "run"), onnx = Path.Combine(_dir.Path, "model.onnx");
        var (code, _, stderr) = CliRunner.Run("train", "--data", data, "--out", run, "--epochs", "3", "--level", "3", "--encoder", "6,8",
            "--scale", scale, "--missing", missing, "--no-plots", "--json");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliRunner.Run("export", "--model", run, "--onnx", onnx, "--json");
        Assert.True(code == 0, stderr);

        // New rows, columns in another order, NA cells where the model imputes.
        string input = _dir.File("new.csv", Table(classification, withMissing, 1000, 60, reorder: true));
        string viaTorch = Path.Combine(_dir.Path, "torch.csv"), viaOnnx = Path.Combine(_dir.Path, "onnx.csv");
        (code, _, stderr) = CliRunner.Run("predict", "--model", run, "--input", input, "--output", viaTorch, "--json");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliRunner.Run("predict", "--model", onnx, "--input", input, "--output", viaOnnx, "--json");
        Assert.True(code == 0, stderr);

        var torch = ReadCsv(viaTorch);
        var ort = ReadCsv(viaOnnx);
        Assert.Equal(60, ort.Rows.Count);
        var compared = ort.Header.Where(h => h.StartsWith("p_") || h.StartsWith("predicted_")).ToList();
        Assert.Equal(classification ? 2 : 1, compared.Count);
        for (int r = 0; r < 60; r++)
        {
            foreach (var column in compared)
            {
                double expected = double.Parse(torch.Cell(r, column), CultureInfo.InvariantCulture), actual = double.Parse(ort.Cell(r, column), CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"row {r} {column}: nsg predict {expected}, ONNX Runtime {actual}");
            }
            if (classification) Assert.Equal(torch.Cell(r, "label"), ort.Cell(r, "label"));
        }
        if (withMissing) Assert.Contains(ort.Rows, row => row.Contains("NA"));

        // The graph's inputs are the raw columns; an unseen category is refused by ONNX Runtime itself under the
        // error policy (the CLI refuses it earlier, naming the cell), and the encoding uses the ONNX-ML domain.
        using var session = new NsgOnnxSession(onnx);
        Assert.Equal(["year", "x"], session.NumericColumns);
        Assert.Equal(["colour", "size"], session.CategoricalColumns);
        Assert.Contains(session.Table!.Inputs, c => c.Categories.SequenceEqual(Sizes.Order(StringComparer.Ordinal)));
        if (!withMissing)
            Assert.ThrowsAny<OnnxRuntimeException>(() => session.Predict([2001.5, 0.2], ["purple", "M"], 1));
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Equal(2, proto.Graph.Node.Count(n => n.Domain == "ai.onnx.ml" && n.OpType == "OneHotEncoder"));
        Assert.All(proto.Graph.Node, n => Assert.Contains(n.Domain, new[] { "", "ai.onnx.ml" }));
    }

    private sealed record Csv(string[] Header, List<string[]> Rows)
    {
        public string Cell(int row, string column) => Rows[row][Array.IndexOf(Header, column)];
    }

    // The predict outputs: no commas inside cells here (categories are single words).
    private static Csv ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        return new Csv(lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToList());
    }
}
