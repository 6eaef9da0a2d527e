using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>A TorchSharp optimizer (SGD or Adam) with per-group learning-rate scales.</summary>
internal sealed class TorchOptimizer(optim.Optimizer optimizer, double[] groupScales) : IStepOptimizer
{
    public void ZeroGrad() => optimizer.zero_grad();

    public void Step() => optimizer.step();

    public void SetLearningRate(double lr)
    {
        int i = 0;
        foreach (var group in ((OptimizerHelper)optimizer).ParamGroups) group.LearningRate = lr * groupScales[i++];
    }

    public void Save(string path) => ((OptimizerHelper)optimizer).save_state_dict(path);

    public void Load(string path) => ((OptimizerHelper)optimizer).load_state_dict(path);

    public void Dispose() => optimizer.Dispose();
}
