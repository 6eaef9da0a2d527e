using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>Options of <see cref="NsgStar"/>.</summary>
public sealed record NsgStarOptions
{
    /// <summary>Ridge lambda of the regression solve (Eq. 3.9); the LS method's default.</summary>
    public double Lambda { get; init; } = new LeastSquaresOptions().Lambda;

    /// <summary>Classification: epochs of gradient training of the coefficients.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Classification: Adam learning rate (the trainer's default).</summary>
    public double LearningRate { get; init; } = new TrainingOptions().LearningRate;

    /// <summary>Classification: mini-batch size (the trainer's default).</summary>
    public int BatchSize { get; init; } = new TrainingOptions().BatchSize;

    /// <summary>Seed of the coefficient initialisation and batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Reserved margin m (thesis 3.4.3) applied to the frozen embeddings before the fit, h' = (1 - 2m) h + m; null:
    /// 0.1 unless the model's rescaling already reserves a margin. Needed because an ANN trained long enough pushes its
    /// sigmoid embeddings onto the faces of the box, where every basis function of a boundary-free grid is zero.
    /// </summary>
    public double? Margin { get; init; }
}

/// <summary>
/// NSG* of thesis Sec. 3.5.3 (Table 3.15): the embeddings of a trained model with a dense (ANN) head are frozen, and a
/// sparse grid layer on the grid that head replaced is fitted on them: by the ridge least-squares solve for regression,
/// by gradient training of the coefficients (Adam, cross-entropy, best validation accuracy kept) for classification.
/// </summary>
public static class NsgStar
{
    /// <summary>Fits the sparse grid layer on <paramref name="model"/>'s frozen embeddings of <paramref name="data"/>; returns its test metrics.</summary>
    public static TestMetrics Fit(NeuralSparseGrid model, PreparedData data, NsgStarOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (options.Epochs < 1 || options.BatchSize < 1 || !(options.LearningRate > 0) || options.Lambda <= 0)
            throw new ArgumentException("NSG* needs epochs >= 1, batch size >= 1, a positive learning rate and lambda > 0.");
        using var scope = torch.NewDisposeScope();
        model.eval();
        Tensor hTrain, hValidation, hTest;
        using (torch.no_grad())
        {
            hTrain = Predictor.Embed(model, data.Train.X).detach();
            hValidation = Predictor.Embed(model, data.Validation.X).detach();
            hTest = Predictor.Embed(model, data.Test.X).detach();
        }
        double margin = options.Margin ?? (model.Rescaling.Kind == RescaleKind.Margin ? 0 : 0.1);
        if (margin < 0 || margin >= 0.5) throw new ArgumentException($"NSG* margin must be in [0, 0.5); got {margin}.");
        if (margin > 0)
        {
            hTrain = Rescaling.ReserveMargin(hTrain, margin);
            hValidation = Rescaling.ReserveMargin(hValidation, margin);
            hTest = Rescaling.ReserveMargin(hTest, margin);
        }
        int outputs = model.Config.Outputs;
        using var layer = new SparseGridLayer(model.Grid, outputs,
            new SparseGridLayerOptions { Init = CoefficientInit.SmallNormal, Seed = options.Seed });
        if (data.Train.IsClassification) TrainCoefficients(layer, hTrain, data.Train.Y, hValidation, data.Validation, options);
        else
        {
            using var noGrad = torch.no_grad();
            var k = layer.BasisMatrix(hTrain);
            var c = RidgeSolver.Solve(k, data.Train.Y.to(k.dtype), options.Lambda);
            layer.Coefficients.copy_(c.to(layer.Coefficients.dtype));
        }
        using var final = torch.no_grad();
        return ModelEvaluation.EvaluateOutputs(layer.forward(hTest), data.Test, data.Scaling, outputs);
    }

    // The shared epoch loop over the frozen embeddings: Adam on the coefficients, cross-entropy, a fixed number of
    // epochs, the epoch with the best validation accuracy kept.
    private static void TrainCoefficients(SparseGridLayer layer, Tensor h, Tensor labels, Tensor hValidation, TrainingSplit validation, NsgStarOptions options)
    {
        using var optimizer = StepOptimizers.Adam(layer.parameters(), options.LearningRate);
        var loop = new EpochLoop
        {
            Module = layer,
            Optimizer = optimizer,
            Criteria = new StopCriteria([new MaxEpochs(options.Epochs)]),
            Seed = options.Seed,
            BatchSize = options.BatchSize,
            Loss = (x, y) => nn.functional.cross_entropy(layer.forward(x), y),
            Evaluate = () =>
            {
                layer.eval();
                using var noGrad = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                return Metrics.LossAndMetric(layer.forward(hValidation), validation.Y);
            },
            SelectionScore = (_, accuracy) => -accuracy,
        };
        using var state = new LoopState();
        loop.Run(h, labels, state);
    }
}
