using NeuralSparseGrids.Models;
using TorchSharp;
using TorchSharp.Modules;

namespace NeuralSparseGrids.Training;

/// <summary>Builds the <see cref="IStepOptimizer"/> of a <see cref="NsgTrainer"/> run from its options.</summary>
internal static class StepOptimizers
{
    /// <summary>
    /// Two parameter groups for the gradient method: the encoder at the learning rate, the coefficients at
    /// <see cref="GradientMethodOptions.CoefficientLearningRateScale"/> times it. LS/ILS optimise the encoder only.
    /// The fused CPU Adam when <see cref="TrainingOptions.FusedOptimizer"/> and every parameter allow it.
    /// </summary>
    public static IStepOptimizer Create(NeuralSparseGrid model, TrainingOptions options, IReadOnlyList<Parameter> parameters)
    {
        var coefficients = options.Method == TrainingMethod.Gradient && model.Config.Head == HeadKind.SparseGrid
            ? new List<Parameter> { model.Layer.Coefficients } : [];
        var encoder = parameters.Where(p => !coefficients.Contains(p)).ToList();
        double lr = options.LearningRate, scale = options.Gradient.CoefficientLearningRateScale;
        var groups = new List<(IReadOnlyList<Parameter>, double)> { (encoder, 1.0) };
        if (coefficients.Count > 0) groups.Add((coefficients, scale));
        if (options.Optimizer == OptimizerKind.Adam && options.FusedOptimizer && FusedAdam.Supports(parameters))
            return new FusedAdam(groups, lr);
        double[] scales = groups.Select(g => g.Item2).ToArray();
        OptimizerKind kind = options.Optimizer;
        double momentum = options.Momentum;
        torch.optim.Optimizer Build(IReadOnlyList<IReadOnlyList<Parameter>> parameterGroups) => kind switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(parameterGroups.Select((g, i) => new SGD.ParamGroup(g, lr * scales[i], momentum: momentum)), lr),
            _ => torch.optim.Adam(parameterGroups.Select((g, i) => new Adam.ParamGroup(g, lr * scales[i])), lr),
        };
        return new TorchOptimizer(Build, groups.Select(g => g.Item1).ToList(), scales);
    }

    /// <summary>Plain torch Adam over <paramref name="parameters"/> (NSG*'s coefficient fit).</summary>
    public static IStepOptimizer Adam(IEnumerable<Parameter> parameters, double lr) =>
        new TorchOptimizer(groups => torch.optim.Adam(groups[0], lr), [parameters.ToList()], [1.0]);
}
