using NeuralSparseGrids.Data;
using Onnx;

namespace NeuralSparseGrids.Onnx;

/// <summary>
/// The preprocessing of a table file (<see cref="TableEncoder"/>) as the first part of the graph, so that an exported
/// model takes a file's raw cells: numeric columns imputed (NaN -> training median, under impute-median) and scaled
/// <c>(x - Offset) / Scale</c> in float64 (as the encoder does, then rounded to float32 once), categorical columns
/// one-hot encoded with ONNX-ML's <c>OneHotEncoder</c> (unknown categories: an ONNX Runtime error, or all zeros under
/// <see cref="UnknownCategory.Ignore"/>; the empty string is the missing cell and becomes the training mode under
/// impute-median), then put in the encoder's input order.
/// </summary>
/// <remarks>
/// Graph inputs: <see cref="NsgOnnxNames.NumericInputs"/> (batch, numeric columns) float64, the numeric input columns
/// in <see cref="TableEncoder.Inputs"/> order; <see cref="NsgOnnxNames.CategoricalInputs"/> (batch, categorical
/// columns) string, the categorical ones in that order. Each is declared only when the table has such columns.
/// Output: the model inputs (batch, <see cref="TableEncoder.Width"/>) float32, equal to <see cref="TableEncoder.Transform"/>.
/// </remarks>
internal static class TableInputGraph
{
    /// <summary>The empty string: a missing categorical cell in <see cref="NsgOnnxNames.CategoricalInputs"/>.</summary>
    public const string MissingCategory = "";

    /// <summary>Declares the raw-cell inputs and appends the encoding; returns the (batch, width) float32 model inputs.</summary>
    public static string Append(OnnxGraphBuilder g, TableEncoder table)
    {
        var numeric = table.Inputs.Where(c => c.Kind == ColumnKind.Numeric).ToArray();
        var categorical = table.Inputs.Where(c => c.Kind == ColumnKind.Categorical).ToArray();
        bool impute = table.Missing == MissingValues.ImputeMedian;
        var blocks = new List<string>();
        if (numeric.Length > 0)
        {
            g.Graph.Input.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.NumericInputs, TensorProto.Types.DataType.Double, numeric.Length));
            long n = numeric.Length;
            string x = NsgOnnxNames.NumericInputs;
            if (impute) x = g.Where(g.Node("IsNaN", [x]), g.Doubles("median", numeric.Select(c => c.Fill).ToArray(), n), x);
            x = g.Node("Div", [g.Sub(x, g.Doubles("offset", numeric.Select(c => c.Offset).ToArray(), n)), g.Doubles("scale", numeric.Select(c => c.Scale).ToArray(), n)]);
            blocks.Add(g.Cast(x, TensorProto.Types.DataType.Float));
        }
        if (categorical.Length > 0)
        {
            g.Graph.Input.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.CategoricalInputs, TensorProto.Types.DataType.String, categorical.Length));
            for (int c = 0; c < categorical.Length; c++)
                blocks.Add(OneHot(g, g.Gather(NsgOnnxNames.CategoricalInputs, g.Int64s("column", [c]), 1), categorical[c], table));
        }
        var concatenated = blocks.Count == 1 ? blocks[0] : g.Concat(1, [.. blocks]);
        return g.Gather(concatenated, g.Int64s("input_order", InputOrder(table), table.Width), 1);
    }

    // One categorical column (batch) string -> (batch, categories) float32.
    private static string OneHot(OnnxGraphBuilder g, string cells, TableColumn column, TableEncoder table)
    {
        bool impute = table.Missing == MissingValues.ImputeMedian;
        var categories = impute ? column.Categories.Append(MissingCategory).ToArray() : column.Categories;
        // zeros = 1: a category outside the list gives all zeros; 0: ONNX Runtime refuses the input.
        var oneHot = g.MlNode("OneHotEncoder", [cells], OnnxGraphBuilder.Strings("cats_strings", categories),
            OnnxGraphBuilder.Int("zeros", table.UnknownCategory == UnknownCategory.Ignore ? 1 : 0));
        if (!impute) return oneHot;
        // The extra "missing" column moves to the training mode's column: (batch, K + 1) x (K + 1, K).
        int k = column.Categories.Length, fill = Array.IndexOf(column.Categories, column.FillCategory);
        var map = new float[(k + 1) * k];
        for (int i = 0; i < k; i++) map[i * k + i] = 1;
        if (fill >= 0) map[k * k + fill] = 1;
        return g.Node("MatMul", [oneHot, g.Floats("impute_mode", map, k + 1, k)]);
    }

    // For each model input (encoder order) its column in [numeric block, one-hot block of each categorical column].
    private static long[] InputOrder(TableEncoder table)
    {
        int numericCount = table.Inputs.Count(c => c.Kind == ColumnKind.Numeric);
        var order = new List<long>(table.Width);
        int numeric = 0, categorical = numericCount;
        foreach (var column in table.Inputs)
        {
            if (column.Kind == ColumnKind.Numeric) { order.Add(numeric++); continue; }
            for (int k = 0; k < column.Width; k++) order.Add(categorical++);
        }
        return order.ToArray();
    }
}
