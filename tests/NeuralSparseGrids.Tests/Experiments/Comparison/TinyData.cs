using System.Globalization;
using System.Text;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

/// <summary>Small seeded data sets and CSV files for the comparison tests.</summary>
internal static class TinyData
{
    /// <summary>Two Gaussian-ish blobs in 3 features, labels "left"/"right" by the sign of x1 + x2 (with 5 % flips).</summary>
    public static Dataset Classification(int rows = 120, int seed = 7)
    {
        var rng = new Random(seed);
        var x = new double[rows * 3];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < 3; j++) x[i * 3 + j] = rng.NextDouble() * 2 - 1;
            labels[i] = (x[i * 3] + x[i * 3 + 1] > 0) ^ (rng.NextDouble() < 0.05) ? 1 : 0;
        }
        return Dataset.ForClassification(x, rows, 3, labels, ["left", "right"], ["a", "b", "c"], "side");
    }

    /// <summary>y = 3 x1 - 2 x2 + 0.1 noise, 2 features.</summary>
    public static Dataset Regression(int rows = 100, int seed = 3)
    {
        var rng = new Random(seed);
        var x = new double[rows * 2];
        var y = new double[rows, 1];
        for (int i = 0; i < rows; i++)
        {
            x[i * 2] = rng.NextDouble(); x[i * 2 + 1] = rng.NextDouble();
            y[i, 0] = 3 * x[i * 2] - 2 * x[i * 2 + 1] + 0.1 * (rng.NextDouble() - 0.5);
        }
        return Dataset.ForRegression(x, rows, 2, y, ["u", "v"], ["y"]);
    }

    /// <summary>Writes <see cref="Classification"/> as a CSV with a header and text labels in the first column.</summary>
    public static string WriteClassificationCsv(string dir, string name = "tiny.csv", int rows = 120)
    {
        var data = Classification(rows);
        var sb = new StringBuilder("\"side\",\"a\",\"b\",\"c\"\n");
        for (int i = 0; i < data.Rows; i++)
            sb.AppendLine($"\"{data.ClassNames[data.Labels![i]]}\"," + string.Join(",", Enumerable.Range(0, 3).Select(j => data.Feature(i, j).ToString("R", CultureInfo.InvariantCulture))));
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Writes <see cref="Regression"/> as a CSV (target last).</summary>
    public static string WriteRegressionCsv(string dir, string name = "tiny-reg.csv")
    {
        var data = Regression();
        var sb = new StringBuilder("u,v,y\n");
        for (int i = 0; i < data.Rows; i++)
            sb.AppendLine(string.Join(",", data.Feature(i, 0).ToString("R", CultureInfo.InvariantCulture), data.Feature(i, 1).ToString("R", CultureInfo.InvariantCulture),
                data.Targets![i, 0].ToString("R", CultureInfo.InvariantCulture)));
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
