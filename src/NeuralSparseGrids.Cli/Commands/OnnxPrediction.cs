using System.Globalization;
using System.Text;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Onnx;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg predict --model FILE.onnx`: the same CSV in and out as for a run directory, computed by ONNX Runtime.</summary>
internal static class OnnxPrediction
{
    /// <summary>True when <paramref name="model"/> names an ONNX file rather than a run directory.</summary>
    public static bool IsOnnx(string model) => model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && File.Exists(model);

    /// <summary>
    /// Predicts for the CSV <paramref name="input"/> (the model's numeric input columns, by their training names when the
    /// header has them all, else all columns in order) and writes <paramref name="output"/>.
    /// </summary>
    public static int Run(string model, string input, string output, CliContext context)
    {
        using var session = new NsgOnnxSession(model);
        if (session.Table != null) return RunTable(session, input, output, context);
        var (header, rows) = ReadInputs(input, session.FeatureNames, session.Inputs);
        int n = rows.Length / session.Inputs, outputs = session.Outputs;
        var prediction = session.Predict(Array.ConvertAll(rows, v => (float)v), n);

        var columns = OutputColumns(session);
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", header.Concat(columns)));
        for (int r = 0; r < n; r++)
        {
            var cells = rows.AsSpan(r * session.Inputs, session.Inputs).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture));
            var result = session.Classification ? prediction.Probabilities : prediction.Values;
            cells = cells.Concat(result.AsSpan(r * outputs, outputs).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            if (session.Classification) cells = cells.Append(ClassName(session, (int)prediction.Labels[r]));
            sb.AppendLine(string.Join(",", cells));
        }
        return Finish(sb, n, output, context);
    }

    /// <summary>
    /// A model trained on a table file: the raw file (CSV or ARFF, categories as text) goes through the graph's own
    /// imputation, scaling and one-hot encoding; the output has the file's columns, then the predictions, as
    /// `nsg predict` on the run directory writes them (without the trained-region flag).
    /// </summary>
    private static int RunTable(NsgOnnxSession session, string input, string output, CliContext context)
    {
        var table = RawTable.Read(input);
        var notes = new List<string>();
        var prediction = session.Predict(table, notes);
        foreach (var note in notes) (context.Json ? context.Error : context.Out).WriteLine(note);
        int n = table.Rows, outputs = session.Outputs;
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", table.Names.Concat(OutputColumns(session)).Select(PredictCommand.Csv)));
        var result = session.Classification ? prediction.Probabilities : prediction.Values;
        for (int r = 0; r < n; r++)
        {
            var cells = table.Cells[r].Select(c => PredictCommand.Csv(c ?? "NA"))
                .Concat(result.AsSpan(r * outputs, outputs).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            if (session.Classification) cells = cells.Append(PredictCommand.Csv(ClassName(session, (int)prediction.Labels[r])));
            sb.AppendLine(string.Join(",", cells));
        }
        return Finish(sb, n, output, context);
    }

    private static IEnumerable<string> OutputColumns(NsgOnnxSession session) => session.Classification
        ? Enumerable.Range(0, session.Outputs).Select(c => "p_" + ClassName(session, c)).Append("label")
        : (session.TargetNames.Length == session.Outputs ? session.TargetNames : Enumerable.Range(0, session.Outputs).Select(i => $"y{i}").ToArray()).Select(t => "predicted_" + t);

    private static int Finish(StringBuilder sb, int n, string output, CliContext context)
    {
        AtomicFile.WriteAllText(output, sb.ToString());
        if (context.Json) context.WriteJson(new { rows = n, output, runtime = "onnxruntime" });
        else context.Out.WriteLine($"Wrote {n} predictions to {output} (ONNX Runtime; the trained-region flag needs the run directory).");
        return 0;
    }

    private static (string[] Header, double[] Rows) ReadInputs(string path, string[] names, int inputs)
    {
        var (header, values, rows) = CsvReader.ReadFeatures(path);
        if (names.Length == inputs && header.Length != inputs && names.All(header.Contains))
        {
            var index = names.Select(n => Array.IndexOf(header, n)).ToArray();
            var picked = new double[rows * inputs];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < inputs; j++) picked[r * inputs + j] = values[r * header.Length + index[j]];
            return (names, picked);
        }
        if (header.Length != inputs)
            throw new InvalidDataException($"{path}: {header.Length} columns, but the ONNX model expects {inputs} inputs ({string.Join(", ", names)}).");
        return (header, values);
    }

    private static string ClassName(NsgOnnxSession session, int c) =>
        c < session.ClassNames.Length ? session.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture);
}
