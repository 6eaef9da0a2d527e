using System.Diagnostics;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `cnn-format`: the MNIST CNN-SG training step in the channels-last and the contiguous (NCHW) convolution format,
/// alternated A B A B in one process: wall and process CPU seconds per step (CPU time is the steadier figure on a
/// loaded machine), and which convolutions of each model run in float64 (the guard's fallback).
/// </summary>
public static class CnnFormatComparison
{
    /// <summary>Args: [--rounds R] [--digits N] (N training digits per timed fit, batch 64).</summary>
    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 4), digits = Option(args, "--digits", 640);
        var dataset = new DataSpec { Source = "mnist", Limit = digits + 100 }.Load(1);
        using var data = PreparedData.Create(dataset, digits / (double)(digits + 100), 0.5 * 100 / (digits + 100), 0.5 * 100 / (digits + 100), seed: 1, scaleFeatures: false);
        var config = new NsgModelConfig
        {
            Task = NsgTask.Classification, Inputs = data.Inputs, Outputs = data.Outputs, Encoder = new CnnEncoderConfig(),
            Latent = 8, Grid = new GridConfig { Level = 4 }, Rescale = Rescaling.Parse("margin:0.1"),
        };
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, LearningRate = 0.01, Seed = 1 };
        int steps = (data.Train.Count + 63) / 64;
        var formats = new[] { ("channels-last", true), ("NCHW", false) };
        var models = formats.ToDictionary(f => f.Item1, f => TorchComparison.CnnModel(config, f.Item2));
        foreach (var (name, model) in models)
        {
            var promoted = model.modules().OfType<VerifiedConv2d>().Where(c => c.PromotedToFloat64).Select(c => c.Shape.ToString()).ToList();
            Console.WriteLine($"{name}: convolutions in float64 (guard fallback): {(promoted.Count == 0 ? "none" : string.Join("; ", promoted))}");
            new NsgTrainer(model, options).Fit(data.Train, data.Validation);   // warm-up
        }
        var wall = formats.ToDictionary(f => f.Item1, _ => new List<double>());
        var cpu = formats.ToDictionary(f => f.Item1, _ => new List<double>());
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < rounds; r++)
            foreach (var (name, _) in r % 2 == 0 ? formats : formats.Reverse())
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                new NsgTrainer(models[name], options).Fit(data.Train, data.Validation);
                double seconds = watch.Elapsed.TotalSeconds;
                process.Refresh();
                wall[name].Add(seconds / steps);
                cpu[name].Add((process.TotalProcessorTime - cpu0).TotalSeconds / steps);
            }
        Console.WriteLine($"MNIST CNN-SG step (batch 64, {data.Train.Count} digits per fit incl. validation of {data.Validation.Count}, {torch.get_num_threads()} threads, {rounds} rounds alternated; load {MachineLoad.Text()}):");
        foreach (var (name, _) in formats)
            Console.WriteLine($"  {name,-14} wall {Statistics.Median(wall[name]) * 1e3,7:F1} ms/step  cpu {Statistics.Median(cpu[name]) * 1e3,7:F1} ms/step   (wall each: {string.Join(" ", wall[name].Select(v => (v * 1e3).ToString("F0")))})");
        Console.WriteLine($"  NCHW / channels-last: wall {Statistics.Median(wall["NCHW"]) / Statistics.Median(wall["channels-last"]):F2}, cpu {Statistics.Median(cpu["NCHW"]) / Statistics.Median(cpu["channels-last"]):F2}");
        foreach (var m in models.Values) m.Dispose();
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }
}
