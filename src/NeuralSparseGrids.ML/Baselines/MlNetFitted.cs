using Microsoft.ML;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;

namespace NeuralSparseGrids.ML.Baselines;

/// <summary>Fitted ML.NET models (one per regression output, or one classifier) as a comparison method's result.</summary>
internal sealed class MlNetFitted(MLContext ml, IReadOnlyList<ITransformer> models, string detail) : IFittedMethod
{
    public string Detail => detail;

    public double[] Predict(Dataset data) => MlNetData.Predict(ml, models, data);

    public void Dispose()
    {
        foreach (var m in models) (m as IDisposable)?.Dispose();
    }
}
