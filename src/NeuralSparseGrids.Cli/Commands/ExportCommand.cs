using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Onnx;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg export`: writes a trained model as an ONNX file (standard operators only) and checks that ONNX Runtime loads it.</summary>
public sealed class ExportCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "export";

    /// <inheritdoc />
    public string Summary => "Export a trained model to ONNX (standard operators, opset 17) for ONNX Runtime.";

    /// <inheritdoc />
    public string Usage => "nsg export --model DIR --onnx FILE [--json]\n\n" +
                           "Writes the whole model (input scaling, encoder, rescaling, sparse grid layer, softmax/argmax or the\n" +
                           "inverse target scaling) as one ONNX graph. Input `features` (batch, inputs) float32 in the training data's\n" +
                           "units; a model trained on a table file takes the raw columns instead: `numeric` (batch, numeric columns)\n" +
                           "float64 (NaN = missing) and `categorical` (batch, categorical columns) string (\"\" = missing), imputed,\n" +
                           "scaled and one-hot encoded inside the graph (ONNX-ML OneHotEncoder).\n" +
                           "Outputs `prediction` (regression, target units) or `probabilities` and `label` (classification),\n" +
                           "plus `output` (raw model output) and `embedding`. The file is loaded back into ONNX Runtime before success\n" +
                           "is reported. Predict with it: nsg predict --model FILE.onnx --input in.csv --output out.csv";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model"), onnx = args.Required("onnx");
        args.EnsureAllConsumed();
        using var trained = TrainedModel.Load(dir);
        NsgOnnxExporter.Export(trained, onnx);
        using var session = new NsgOnnxSession(onnx);
        long bytes = new FileInfo(onnx).Length;
        if (context.Json) context.WriteJson(new { onnx, bytes, opset = NsgOnnxExporter.Opset, inputs = session.Inputs, outputs = session.Outputs, classification = session.Classification });
        else context.Out.WriteLine($"Wrote {onnx} ({bytes:N0} bytes, opset {NsgOnnxExporter.Opset}); ONNX Runtime loads it: {session.Inputs} features in, {session.Outputs} {(session.Classification ? "classes" : "outputs")} out.");
        return 0;
    }
}
