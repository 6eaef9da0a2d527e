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
    public string Usage => "nsg predict --model DIR|FILE.onnx --input FILE --output out.csv [--json]\n\n" +
                           "--model FILE.onnx (from `nsg export`): ONNX Runtime instead of TorchSharp; a model trained on a table file reads the same\n" +
                           "raw file (the graph imputes, scales and one-hot encodes), other models a CSV of their numeric input columns.\n" +
                           "FILE: CSV (a header row, or none: then columns by position) or ARFF, plain or .gz, with the model's input columns\n" +
                           "by their training names in any order (other columns, such as the target, are ignored); values as in training\n" +
                           "(text categories, NA where the model imputes).\n" +
                           "out.csv: the input columns, then predictions (target units) or class probabilities and the label (the training\n" +
                           "file's class names), then outside_trained_region (1 if the embedding reaches grid points no training embedding activated); with a density head\n" +
                           "(nsg train --head density) also density_label, density (the mixture density of the embedding, higher = more typical)\n" +
                           "and out_of_distribution (1 if density is below the threshold chosen on the validation split).";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model"), input = args.Required("input"), output = args.Required("output");
        args.EnsureAllConsumed();
        if (OnnxPrediction.IsOnnx(dir)) return OnnxPrediction.Run(dir, input, output, context);
        using var trained = TrainedModel.Load(dir);
        var table = RawTable.Read(input);
        var notes = new List<string>();
        var data = trained.Encode(table, withTarget: false, notes);
        foreach (var note in notes) (context.Json ? context.Error : context.Out).WriteLine(note);
        int n = data.Rows;
        var prediction = trained.Predict(data.Features, n);

        var scaling = trained.Scaling;
        var outColumns = prediction.Labels.Length > 0
            ? scaling.ClassNames.Select(c => "p_" + c).Append("label")
            : (scaling.TargetNames.Length > 0 ? scaling.TargetNames : Enumerable.Range(0, trained.Model.Config.Outputs).Select(i => $"y{i}").ToArray()).Select(t => "predicted_" + t);
        bool density = prediction.Density.Length > 0;
        if (density) outColumns = outColumns.Append("density_label").Append("density").Append("out_of_distribution");
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", table.Names.Concat(outColumns).Append("outside_trained_region").Select(Csv)));
        int outputs = trained.Model.Config.Outputs;
        for (int r = 0; r < n; r++)
        {
            var cells = table.Cells[r].Select(c => Csv(c ?? "NA"));
            cells = prediction.Labels.Length > 0
                ? cells.Concat(prediction.Probabilities.AsSpan(r * outputs, outputs).ToArray().Select(F)).Append(Csv(scaling.ClassNames.Length > prediction.Labels[r] ? scaling.ClassNames[prediction.Labels[r]] : prediction.Labels[r].ToString(CultureInfo.InvariantCulture)))
                : cells.Concat(prediction.Values.AsSpan(r * outputs, outputs).ToArray().Select(F));
            if (density)
                cells = cells.Append(Csv(ClassName(scaling, prediction.DensityLabels[r]))).Append(F(prediction.Density[r])).Append(prediction.OutOfDistribution[r] ? "1" : "0");
            sb.AppendLine(string.Join(",", cells.Append(prediction.OutsideTrainedRegion[r] ? "1" : "0")));
        }
        AtomicFile.WriteAllText(output, sb.ToString());
        int outside = prediction.OutsideTrainedRegion.Count(o => o);
        int? ood = density ? prediction.OutOfDistribution.Count(o => o) : null;
        if (context.Json) context.WriteJson(new { rows = n, outsideTrainedRegion = outside, outOfDistribution = ood, output });
        else context.Out.WriteLine($"Wrote {n} predictions to {output}; {outside} rows fall outside the trained region of the grid" +
                                   (ood is int o ? $"; {o} rows are out of distribution by the density head." : "."));
        return 0;
    }

    private static string ClassName(DataScaling scaling, int label) =>
        scaling.ClassNames.Length > label ? scaling.ClassNames[label] : label.ToString(CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    // Quotes a cell when it holds a separator, quote or leading/trailing space (RFC 4180).
    internal static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 || s != s.Trim() ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
