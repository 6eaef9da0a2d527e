using System.Diagnostics;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `compare-epoch`: times swiss-roll training epochs (4800 training points, batch 64, Adam, MLP 3-25-25-2, level 6)
/// with the fused step (<see cref="FusedMlpStep"/>), the fused sparse grid layer under autograd, and with the plain dense basis-matrix layer (Eq. 3.4: what a plain PyTorch NSG
/// does) in the same process, and prints seconds per epoch and the ratio.
/// </summary>
public static class EpochComparison
{
    /// <summary>Runs the comparison; args: [--epochs E] [--threads T] (threads tried for the reference besides 1).</summary>
    public static int Run(string[] args)
    {
        int epochs = Option(args, "--epochs", 5), threads = Option(args, "--threads", 2);
        var dataset = SwissRoll.Generate(new SwissRollOptions(8000, 0.1, 3, SwissRollT.Unit), seed: 1);
        using var data = PreparedData.Create(dataset, 0.6, 0.2, 0.2, seed: 1);
        var config = new NsgModelConfig { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [25, 25] }, Latent = 2, Grid = new GridConfig { Level = 6 } };
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = 0.01, Seed = 1 };

        double Time(LayerPath path, int torchThreads, bool fusedAdam = true, bool fusedStep = true)
        {
            using var model = NeuralSparseGrid.Create(config, seed: 1);
            model.Layer.Path = path;
            // Three warm-up epochs (JIT tiering, allocator), then the timed ones: with one, the first variant timed
            // still ran partly tier-0 code and looked 10-20 % slower than in steady state.
            new NsgTrainer(model, options with { Epochs = 3, TorchThreads = torchThreads, FusedOptimizer = fusedAdam, FusedStep = fusedStep }).Fit(data.Train);
            var watch = Stopwatch.StartNew();
            new NsgTrainer(model, options with { TorchThreads = torchThreads, FusedOptimizer = fusedAdam, FusedStep = fusedStep }).Fit(data.Train);
            return watch.Elapsed.TotalSeconds / epochs;
        }

        // Ours as shipped (the trainer's default: 1 torch thread for MLP encoders); the reference with whichever of
        // 1 and `threads` torch threads is faster for it, so the ratio never flatters us.
        // The reference is a plain NSG: dense basis matrix and torch's own Adam.
        double fused = Time(LayerPath.Fused, 1);
        double autogradStep = Time(LayerPath.Fused, 1, fusedStep: false);
        double fusedTorchAdam = Time(LayerPath.Fused, 1, fusedAdam: false);
        double tensorOps = Time(LayerPath.TensorOps, 1);
        double dense1 = Time(LayerPath.Dense, 1, fusedAdam: false), denseN = Time(LayerPath.Dense, threads, fusedAdam: false);
        double dense = Math.Min(dense1, denseN);
        Console.WriteLine($"swiss roll epoch (4800 points, batch 64, Adam, MLP 3-25-25-2, level 6; {epochs} timed epochs each):");
        Console.WriteLine($"  fused step + fused Adam (ours)      {fused:F3} s/epoch");
        Console.WriteLine($"  fused layer, autograd step          {autogradStep:F3} s/epoch");
        Console.WriteLine($"  fused step + torch Adam             {fusedTorchAdam:F3} s/epoch");
        Console.WriteLine($"  tensor-op layer + fused Adam        {tensorOps:F3} s/epoch");
        Console.WriteLine($"  plain NSG (dense basis, torch Adam), 1 thread   {dense1:F3} s/epoch");
        Console.WriteLine($"  plain NSG (dense basis, torch Adam), {threads} threads  {denseN:F3} s/epoch");
        Console.WriteLine($"  ratio plain NSG (best) / fused = {dense / fused:F2}x");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }
}
