using NeuralSparseGrids.Models;
using TorchSharp;
using TorchSharp.Modules;

namespace NeuralSparseGrids.Training;

/// <summary>Builds the <see cref="IStepOptimizer"/> of a <see cref="NsgTrainer"/> run from its options.</summary>
internal static class StepOptimizers
{
    /// <summary>
    /// Parameter groups of the gradient method: the encoder at the learning rate; the sparse grid coefficients at
    /// <see cref="GradientMethodOptions.CoefficientLearningRateScale"/> times it, or a dense head's output weights at
    /// <see cref="GradientMethodOptions.DenseOutputLearningRateScale"/> times it (null: the width rule of
    /// <see cref="EqualParameterHead.OutputLearningRateScale"/>). LS/ILS optimise the encoder only. The fused CPU Adam
    /// when <see cref="TrainingOptions.FusedOptimizer"/> and every parameter allow it.
    /// </summary>
    public static IStepOptimizer Create(NeuralSparseGrid model, TrainingOptions options, IReadOnlyList<Parameter> parameters)
    {
        var (scaled, scale) = ScaledGroup(model, options);
        var rest = parameters.Where(p => !scaled.Contains(p)).ToList();
        double lr = options.LearningRate;
        var groups = new List<(IReadOnlyList<Parameter> Parameters, double Scale)> { (rest, 1.0) };
        if (scaled.Count > 0) groups.Add((scaled, scale));
        if (options.Optimizer == OptimizerKind.Adam && options.FusedOptimizer && FusedAdam.Supports(parameters))
            return new FusedAdam(groups, lr);
        double[] scales = groups.Select(g => g.Scale).ToArray();
        OptimizerKind kind = options.Optimizer;
        double momentum = options.Momentum;
        torch.optim.Optimizer Build(IReadOnlyList<IReadOnlyList<Parameter>> parameterGroups) => kind switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(parameterGroups.Select((g, i) => new SGD.ParamGroup(g, lr * scales[i], momentum: momentum)), lr),
            _ => torch.optim.Adam(parameterGroups.Select((g, i) => new Adam.ParamGroup(g, lr * scales[i])), lr),
        };
        return new TorchOptimizer(Build, groups.Select(g => g.Parameters).ToList(), scales);
    }

    /// <summary>The parameters that learn at their own multiple of the rate, and the multiple (none for LS/ILS).</summary>
    private static (List<Parameter> Parameters, double Scale) ScaledGroup(NeuralSparseGrid model, TrainingOptions options)
    {
        if (options.Method != TrainingMethod.Gradient) return ([], 1.0);
        if (model.DenseHead is EqualParameterHead head)
        {
            int reference = model.Config.Encoder switch
            {
                MlpEncoderConfig { HiddenLayers.Length: > 0 } mlp => mlp.HiddenLayers.Max(),
                CnnEncoderConfig cnn => cnn.Width,
                _ => model.Config.Latent,
            };
            double scale = options.Gradient.DenseOutputLearningRateScale ?? EqualParameterHead.OutputLearningRateScale(head.Hidden, reference);
            return ([head.Layers.OutputLayer.weight!], scale);
        }
        return ([model.Layer.Coefficients], options.Gradient.CoefficientLearningRateScale);
    }

    /// <summary>Plain torch Adam over <paramref name="parameters"/> (NSG*'s coefficient fit).</summary>
    public static IStepOptimizer Adam(IEnumerable<Parameter> parameters, double lr) =>
        new TorchOptimizer(groups => torch.optim.Adam(groups[0], lr), [parameters.ToList()], [1.0]);
}
