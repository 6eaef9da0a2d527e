namespace NeuralSparseGrids.Models;

/// <summary>Element-wise activation of the hidden layers of <see cref="MlpEncoder"/> and <see cref="EqualParameterHead"/>.</summary>
public enum Activation
{
    /// <summary>max(x, 0).</summary>
    ReLU,

    /// <summary>tanh(x).</summary>
    Tanh,

    /// <summary>1 / (1 + exp(-x)).</summary>
    Sigmoid,

    /// <summary>x for x &gt;= 0, 0.01 x otherwise.</summary>
    LeakyReLU,
}
