namespace NeuralSparseGrids.Layers;

/// <summary>Initial values of the coefficient matrix of a <see cref="SparseGridLayer"/>.</summary>
public enum CoefficientInit
{
    /// <summary>All coefficients zero (the usual start for least-squares training, where a solve sets them).</summary>
    Zeros,

    /// <summary>Independent normal values with mean 0 and standard deviation <see cref="SparseGridLayerOptions.InitStd"/>.</summary>
    SmallNormal,
}
