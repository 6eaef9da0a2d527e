namespace NeuralSparseGrids.Layers;

/// <summary>How <see cref="SparseGridLayer"/> evaluates the grid. All paths compute the same function and gradients.</summary>
public enum LayerPath
{
    /// <summary>The fused CPU kernel for CPU tensors, the tensor-op path on every other device.</summary>
    Auto,

    /// <summary>The fused multi-threaded CPU kernel (custom autograd function). CPU tensors only.</summary>
    Fused,

    /// <summary>Gathers and products built from torch operations only: runs on any device, autograd by torch.</summary>
    TensorOps,

    /// <summary>The dense reference: builds the (batch, points) basis matrix K (thesis Eq. 3.4) and returns K C.</summary>
    Dense,
}
