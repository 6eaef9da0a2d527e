using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>What one step of each training method computes (thesis 3.2.2), and the LS refit.</summary>
internal static class MethodSteps
{
    /// <summary>The coefficient solver of the LS (closed form) or ILS (CG or LSMR) method; null for the gradient method.</summary>
    public static ICoefficientSolver? Solver(TrainingOptions options) => options.Method switch
    {
        TrainingMethod.LeastSquares => new RidgeClosedForm(options.LeastSquares.Lambda),
        TrainingMethod.IterativeLeastSquares => options.Ils.Solver == IlsSolverKind.Lsmr
            ? new LsmrSolver(options.LeastSquares.Lambda, options.Ils.Iterations)
            : new ConjugateGradientSolver(options.LeastSquares.Lambda, options.Ils.Iterations),
        _ => null,
    };

    /// <summary>
    /// Gradient method: the task's loss of the model's output, plus <paramref name="spread"/> x the <see cref="SpreadPenalty"/>
    /// of the embeddings; <paramref name="embedded"/> gets the batch's embeddings (batch, d) (e.g. <see cref="EpochEmbeddings"/>).
    /// </summary>
    public static Tensor GradientLoss(NeuralSparseGrid model, Tensor x, Tensor y, double spread = 0, Action<Tensor>? embedded = null)
    {
        var h = model.Embed(x);
        embedded?.Invoke(h);
        var output = model.Head.forward(h);
        var loss = TaskLoss(model, output, y);
        return spread > 0 ? loss + spread * Spread(model, h) : loss;
    }

    /// <summary>The task's loss: cross-entropy of class logits or MSE of the outputs (mean over the batch).</summary>
    public static Tensor TaskLoss(NeuralSparseGrid model, Tensor output, Tensor y) =>
        model.Config.Task == NsgTask.Classification
            ? nn.functional.cross_entropy(output, y)
            : nn.functional.mse_loss(output, y);

    private static Tensor Spread(NeuralSparseGrid model, Tensor h)
    {
        var (low, high) = model.Rescaling.Range;
        return SpreadPenalty.Of(h, low, high);
    }

    /// <summary>
    /// LS/ILS: coefficients solved on the batch's basis matrix (written into the layer) and the MSE of the fit, whose
    /// gradient flows through the solve into the encoder; <paramref name="embedded"/> gets the batch's embeddings.
    /// </summary>
    public static Tensor SolveLoss(NeuralSparseGrid model, ICoefficientSolver solver, Tensor x, Tensor y, double spread = 0, Action<Tensor>? embedded = null)
    {
        var h = model.Embed(x);
        embedded?.Invoke(h);
        var k = model.Layer.BasisMatrix(h);
        // The warm start must not alias the coefficients: they are overwritten in place below, before backward.
        var c = solver.Solve(k, y, model.Layer.Coefficients.detach().clone());
        using (torch.no_grad()) model.Layer.Coefficients.copy_(c.detach());
        var loss = nn.functional.mse_loss(k.matmul(c), y);
        return spread > 0 ? loss + spread * Spread(model, h) : loss;
    }

    /// <summary>LS evaluates with coefficients solved on all training embeddings (the mini-batch solves only drive the encoder).</summary>
    public static void Refit(NeuralSparseGrid model, TrainingSplit train, double lambda)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        using var equations = new RidgeSolver.NormalEquations(model.Grid.PointCount, model.Config.Outputs);
        const int chunk = 4096;
        for (int start = 0; start < train.Count; start += chunk)
        {
            using var inner = torch.NewDisposeScope();
            int count = Math.Min(chunk, train.Count - start);
            equations.Add(model.Layer.BasisMatrix(model.Embed(train.X.narrow(0, start, count))), train.Y.narrow(0, start, count));
        }
        var c = equations.Solve(Math.Max(lambda, 1e-10));
        model.Layer.Coefficients.copy_(c.to(model.Layer.Coefficients.dtype));
        model.train();
    }
}
