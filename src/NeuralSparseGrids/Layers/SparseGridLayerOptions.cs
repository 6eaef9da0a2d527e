using TorchSharp;

namespace NeuralSparseGrids.Layers;

/// <summary>Construction options of a <see cref="SparseGridLayer"/>.</summary>
public sealed record SparseGridLayerOptions
{
    /// <summary>Element type of the coefficients and of the output: <see cref="torch.ScalarType.Float32"/> (default) or Float64.</summary>
    public torch.ScalarType DType { get; init; } = torch.ScalarType.Float32;

    /// <summary>How the coefficients start.</summary>
    public CoefficientInit Init { get; init; } = CoefficientInit.Zeros;

    /// <summary>Standard deviation for <see cref="CoefficientInit.SmallNormal"/>.</summary>
    public double InitStd { get; init; } = 0.01;

    /// <summary>Seed for the initial coefficients; null uses torch's global generator.</summary>
    public long? Seed { get; init; }

    /// <summary>
    /// When true, inputs outside [0, 1] are clamped into the box (gradient 0 in clamped coordinates) instead of
    /// rejected; NaN is still rejected. When false (default), NaN/Inf or values outside [0, 1] by more than
    /// <see cref="SparseGridLayer.InputTolerance"/> raise an <see cref="ArgumentException"/>.
    /// </summary>
    public bool Clamp { get; init; }

    /// <summary>Evaluation path; <see cref="LayerPath.Auto"/> picks the fused kernel on CPU, tensor ops elsewhere.</summary>
    public LayerPath Path { get; init; } = LayerPath.Auto;

    /// <summary>Largest dense basis matrix (batch x points x element size, in bytes) the dense path will build: 1 GiB.</summary>
    public long DenseMaxBytes { get; init; } = 1L << 30;

    /// <summary>Memory budget for the grid's coefficients (see <see cref="Grids.SparseGrid.Create"/>); null: the default 2 GiB.</summary>
    public long? MaxGridBytes { get; init; }
}
