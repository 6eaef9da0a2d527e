using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Onnx;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>
/// `nsg bench onnx`: ONNX Runtime vs the TorchSharp predict path on the same trained model, batch 1 and a large batch,
/// rows per second, all in one run.
/// </summary>
internal static class OnnxBench
{
    public const string Usage =
        "nsg bench onnx --model DIR [--batch 1,1024] [--seconds S] [--json]\n\n" +
        "Exports the model of DIR to ONNX (in a temp file) and times, for every batch size, the median latency of\n" +
        "(a) ONNX Runtime (the exported graph incl. input scaling), (b) the TorchSharp predict path TrainedModel.Predict\n" +
        "(scaling, forward, trained-region flags), (c) the bare TorchSharp forward of the network under no_grad, on the\n" +
        "same random rows drawn within the training feature range; about S seconds per measurement (default 2).";

    public static int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model");
        var batches = (args.String("batch") ?? "1,1024").Split(',').Select(s => int.TryParse(s, out int b) && b > 0 ? b
            : throw new CliUsageException($"--batch: '{s}' is not a positive integer.")).ToArray();
        double seconds = args.Double("seconds", 2, 0.05, 600);
        args.EnsureAllConsumed();

        using var trained = TrainedModel.Load(dir);
        if (trained.Scaling.Table != null)
            throw new CliUsageException($"{dir} was trained on a table file: its ONNX graph takes the file's raw columns (numeric and categorical), " +
                                        "which the benchmark does not generate; it times models that take feature rows (generated data, images, spectra).");
        string onnx = Path.Combine(Path.GetTempPath(), $"nsg-bench-{Guid.NewGuid():N}.onnx");
        try
        {
            NsgOnnxExporter.Export(trained, onnx);
            using var session = new NsgOnnxSession(onnx);
            int inputs = trained.Model.Config.Inputs;
            var results = new List<object>();
            if (!context.Json) context.Out.WriteLine($"{trained.Model.Grid}; {inputs} inputs; torch threads {get_num_threads()}, ONNX Runtime default threads");
            foreach (int batch in batches)
            {
                var raw = Rows(trained, batch, seed: 1);
                var asFloat = Array.ConvertAll(raw, v => (float)v);
                var buffer = new float[batch * session.Outputs];
                double ort = MedianSeconds(() => session.PredictInto(asFloat, batch, buffer), seconds);
                double predict = MedianSeconds(() => trained.Predict(raw, batch), seconds);
                double forward = MedianSeconds(() => Forward(trained, asFloat, batch), seconds);
                results.Add(new
                {
                    batch, onnxRuntimeMs = ort * 1e3, torchPredictMs = predict * 1e3, torchForwardMs = forward * 1e3,
                    onnxRuntimeRowsPerSecond = batch / ort, torchPredictRowsPerSecond = batch / predict, torchForwardRowsPerSecond = batch / forward,
                    torchPredictOverOnnx = predict / ort, torchForwardOverOnnx = forward / ort,
                });
                if (!context.Json)
                    context.Out.WriteLine($"  batch {batch,6}: ONNX Runtime {ort * 1e3,9:F4} ms ({batch / ort,12:N0} rows/s)   " +
                                          $"torch predict {predict * 1e3,9:F4} ms ({batch / predict,12:N0} rows/s, {predict / ort:F2}x)   " +
                                          $"torch forward {forward * 1e3,9:F4} ms ({batch / forward,12:N0} rows/s, {forward / ort:F2}x)");
            }
            if (context.Json) context.WriteJson(new { model = dir, points = trained.Model.Grid.PointCount, torchThreads = get_num_threads(), results });
            return 0;
        }
        finally
        {
            File.Delete(onnx);
        }
    }

    private static void Forward(TrainedModel trained, float[] scaledLike, int batch)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(scaledLike, [batch, trained.Model.Config.Inputs]);
        _ = trained.Model.forward(x).data<float>()[0];
    }

    // Uniform rows within the training feature range (or [0, 1] when features were not scaled).
    private static double[] Rows(TrainedModel trained, int batch, int seed)
    {
        int inputs = trained.Model.Config.Inputs;
        var random = new Random(seed);
        var min = trained.Scaling.Features?.Min ?? new double[inputs];
        var max = trained.Scaling.Features?.Max ?? Enumerable.Repeat(1.0, inputs).ToArray();
        var rows = new double[batch * inputs];
        for (int i = 0; i < rows.Length; i++) rows[i] = min[i % inputs] + random.NextDouble() * (max[i % inputs] - min[i % inputs]);
        return rows;
    }

    // Median wall time of one call, after warm-up calls, over about `budget` seconds (at least 5 calls).
    private static double MedianSeconds(Action call, double budget)
    {
        for (int i = 0; i < 3; i++) call();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || total.Elapsed.TotalSeconds < budget)
        {
            var watch = Stopwatch.StartNew();
            call();
            times.Add(watch.Elapsed.TotalSeconds);
        }
        return Statistics.Median(times);
    }
}
