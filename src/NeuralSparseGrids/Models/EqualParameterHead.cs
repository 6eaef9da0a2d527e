using NeuralSparseGrids.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// The dense replacement of a sparse grid layer with the same number of parameters (thesis Sec. 3.5.3, Eq. 3.27):
/// Linear(d, n) - activation - Linear(n, p), whose (d + 1) n + (n + 1) p parameters match the m p coefficients of a
/// sparse grid with m points and p outputs.
/// </summary>
/// <remarks>Input (batch, d) latent vectors; output (batch, p).</remarks>
public sealed class EqualParameterHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear _hidden;
    private readonly nn.Module<Tensor, Tensor> _activation;
    private readonly Activation _activationKind;
    private readonly Linear _output;

    /// <summary>Creates the head for a grid of <paramref name="gridPoints"/> points, weights drawn after <c>torch.manual_seed(seed)</c>.</summary>
    /// <param name="gridPoints">Number of sparse grid points m &gt;= 1.</param>
    /// <param name="dim">Latent dimension d &gt;= 1 (input features).</param>
    /// <param name="outputs">Outputs p &gt;= 1.</param>
    /// <param name="activation">Activation of the hidden layer (the thesis uses ReLU or tanh).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    public EqualParameterHead(long gridPoints, int dim, int outputs, Activation activation = Activation.ReLU, long seed = 0)
        : base(TorchRuntime.LoadedFor(nameof(EqualParameterHead)))
    {
        Hidden = HiddenNeurons(gridPoints, dim, outputs);
        TorchRuntime.EnsureLoaded();
        Dim = dim;
        Outputs = outputs;
        torch.manual_seed(seed);
        _hidden = nn.Linear(dim, Hidden);
        _activation = ActivationModules.Create(activation);
        _activationKind = activation;
        _output = nn.Linear(Hidden, outputs);
        RegisterComponents();
    }

    /// <summary>Input (latent) dimension d.</summary>
    public int Dim { get; }

    /// <summary>Number of outputs p.</summary>
    public int Outputs { get; }

    /// <summary>Hidden neurons n = <see cref="HiddenNeurons"/>.</summary>
    public int Hidden { get; }

    /// <summary>The hidden layer, its activation and the output layer (for exporters).</summary>
    public (Linear HiddenLayer, Activation Activation, Linear OutputLayer) Layers => (_hidden, _activationKind, _output);

    /// <summary>
    /// Hidden neurons n of the equal-parameter dense layer: Eq. 3.27, m p = (d + 1) n + (n + 1) p, solved for n =
    /// (m p - p) / (d + p + 1) and rounded to the nearest integer (halves away from zero), at least 1. The parameter
    /// count then differs from m p by at most half a neuron's worth, (d + p + 1) / 2, except when the clamp to 1 applies.
    /// </summary>
    /// <param name="gridPoints">Number of sparse grid points m &gt;= 1.</param>
    /// <param name="dim">Latent dimension d &gt;= 1.</param>
    /// <param name="outputs">Outputs p &gt;= 1.</param>
    public static int HiddenNeurons(long gridPoints, int dim, int outputs)
    {
        if (gridPoints < 1) throw new ArgumentOutOfRangeException(nameof(gridPoints), gridPoints, "A sparse grid has at least one point.");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The latent dimension must be at least 1.");
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "There must be at least one output.");
        double n = ((double)gridPoints * outputs - outputs) / (dim + outputs + 1);
        double rounded = Math.Round(n, MidpointRounding.AwayFromZero);
        if (rounded > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(gridPoints), gridPoints, $"The equal-parameter layer would need {rounded:N0} neurons.");
        return Math.Max(1, (int)rounded);
    }

    /// <summary>
    /// The learning-rate multiple of the output layer's weights by the width rule: min(1, W / n) for n hidden neurons
    /// and a reference width W (the encoder's widest layer). Adam moves each weight by about the learning rate per step,
    /// so a layer's output moves by about fan-in x rate; scaling the rate by 1/n gives the head's output layer (fan-in n)
    /// the per-step change of a layer W wide, as in the width-independent Adam rates of maximal-update
    /// parametrisation (Yang and Hu 2021). Without it the head's first steps saturate the latent sigmoid on wide heads.
    /// </summary>
    /// <param name="hidden">Hidden neurons n of the head.</param>
    /// <param name="referenceWidth">Reference width W &gt;= 1.</param>
    public static double OutputLearningRateScale(int hidden, int referenceWidth)
    {
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "The head has at least one hidden neuron.");
        if (referenceWidth < 1) throw new ArgumentOutOfRangeException(nameof(referenceWidth), referenceWidth, "The reference width must be at least 1.");
        return Math.Min(1.0, (double)referenceWidth / hidden);
    }

    /// <summary>Parameters of the dense replacement with <paramref name="hidden"/> neurons: (d + 1) n + (n + 1) p.</summary>
    public static long ParameterCount(int dim, int hidden, int outputs) => (long)(dim + 1) * hidden + (long)(hidden + 1) * outputs;

    /// <summary>Maps latent vectors (batch, d) to outputs (batch, p).</summary>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 2 || input.shape[1] != Dim)
            throw new ArgumentException($"EqualParameterHead expects input of shape (batch, {Dim}); got ({string.Join(", ", input.shape)}).", nameof(input));
        using var h = _hidden.forward(input);
        using var a = _activation.forward(h);
        return _output.forward(a);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hidden.Dispose();
            _activation.Dispose();
            _output.Dispose();
        }
        base.Dispose(disposing);
    }
}
