using System.Globalization;
using System.Text;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg predict`: predictions for the rows of a CSV file.</summary>
public sealed class PredictCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "predict";

    /// <inheritdoc />
    public string Summary => "Predict with a trained model for a CSV of feature rows; flags rows outside the trained region.";

    /// <inheritdoc />
    public string Usage => "nsg predict --model DIR|FILE.onnx --input in.csv --output out.csv [--json]\n\n" +
                           "--model FILE.onnx (from `nsg export`) predicts through ONNX Runtime instead of TorchSharp.\n" +
                           "in.csv: a header row and the model's feature columns (by the training names when present, else in order).\n" +
                           "out.csv: the input columns, then predictions (target units) or class probabilities and the label, then\n" +
                           "outside_trained_region (1 if the embedding reaches grid points no training embedding activated).";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model"), input = args.Required("input"), output = args.Required("output");
        args.EnsureAllConsumed();
        if (OnnxPrediction.IsOnnx(dir)) return OnnxPrediction.Run(dir, input, output, context);
        using var trained = TrainedModel.Load(dir);
        var (header, rows) = ReadFeatures(input, trained.Scaling.FeatureNames, trained.Model.Config.Inputs);
        int n = rows.Length / trained.Model.Config.Inputs;
        var prediction = trained.Predict(rows, n);

        var sb = new StringBuilder();
        var scaling = trained.Scaling;
        var outColumns = prediction.Labels.Length > 0
            ? scaling.ClassNames.Select(c => "p_" + c).Append("label")
            : (scaling.TargetNames.Length > 0 ? scaling.TargetNames : Enumerable.Range(0, trained.Model.Config.Outputs).Select(i => $"y{i}").ToArray()).Select(t => "predicted_" + t);
        sb.AppendLine(string.Join(",", header.Concat(outColumns).Append("outside_trained_region")));
        int inputs = trained.Model.Config.Inputs, outputs = trained.Model.Config.Outputs;
        for (int r = 0; r < n; r++)
        {
            var cells = rows.AsSpan(r * inputs, inputs).ToArray().Select(F);
            cells = prediction.Labels.Length > 0
                ? cells.Concat(prediction.Probabilities.AsSpan(r * outputs, outputs).ToArray().Select(F)).Append(scaling.ClassNames.Length > prediction.Labels[r] ? scaling.ClassNames[prediction.Labels[r]] : prediction.Labels[r].ToString(CultureInfo.InvariantCulture))
                : cells.Concat(prediction.Values.AsSpan(r * outputs, outputs).ToArray().Select(F));
            sb.AppendLine(string.Join(",", cells.Append(prediction.OutsideTrainedRegion[r] ? "1" : "0")));
        }
        AtomicFile.WriteAllText(output, sb.ToString());
        int outside = prediction.OutsideTrainedRegion.Count(o => o);
        if (context.Json) context.WriteJson(new { rows = n, outsideTrainedRegion = outside, output });
        else context.Out.WriteLine($"Wrote {n} predictions to {output}; {outside} rows fall outside the trained region of the grid.");
        return 0;
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    // Reads feature columns: by name when the model knows its feature names and the header has them all, else all columns in order.
    private static (string[] Header, double[] Rows) ReadFeatures(string path, string[] names, int inputs)
    {
        var (header, values, rows) = CsvReader.ReadFeatures(path);
        int columns = header.Length;
        if (names.Length == inputs && names.All(header.Contains) && columns != inputs)
        {
            var idx = names.Select(n => Array.IndexOf(header, n)).ToArray();
            var picked = new double[rows * inputs];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < inputs; j++) picked[r * inputs + j] = values[r * columns + idx[j]];
            return (names, picked);
        }
        if (columns != inputs)
            throw new InvalidDataException($"{path}: {columns} columns, but the model expects {inputs} features ({string.Join(", ", names)}).");
        return (header, values);
    }
}
