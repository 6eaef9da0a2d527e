using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Regression;

/// <summary>Settings of <see cref="SparseGridDensity"/>: the regularised least-squares density of SG++.</summary>
public sealed record SparseGridDensityOptions
{
    /// <summary>
    /// Regularisation lambda of (R + lambda C) alpha = b, relative to the mean diagonal of the mass matrix R (so the same
    /// value means the same smoothing on every grid: the entries of R shrink like 2^-|l|_1); null (default): chosen
    /// from <see cref="LambdaCandidates"/> by the held-out L2 risk (see <see cref="SparseGridDensity"/>).
    /// </summary>
    public double? Lambda { get; init; }

    /// <summary>Relative lambdas tried when <see cref="Lambda"/> is null (default 1e-4 ... 1, one per decade).</summary>
    public IReadOnlyList<double> LambdaCandidates { get; init; } = [1e-4, 1e-3, 1e-2, 1e-1, 1];

    /// <summary>How a lambda is chosen from <see cref="LambdaCandidates"/> (default: per density by the held-out L2 risk).</summary>
    public LambdaSelection Selection { get; init; } = LambdaSelection.Risk;

    /// <summary>The regularisation operator C (default <see cref="DensityRegularizer.Identity"/>, as SG++).</summary>
    public DensityRegularizer Regularizer { get; init; } = DensityRegularizer.Identity;

    /// <summary>
    /// Without validation data, the share of the rows held out (seeded) to choose lambda; the final fit uses all rows
    /// (default 0.2).
    /// </summary>
    public double HoldOutFraction { get; init; } = 0.2;

    /// <summary>Seed of the hold-out split.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Grids with at most this many points are solved directly (R written out dense once, R + lambda C
    /// Cholesky-factorised per lambda: three dense matrices of 8 points^2 bytes, 1.5 GB at 8,000 points, four with the
    /// Laplace term); larger grids by matrix-free, warm-started conjugate gradients (default 8,000; 0: always CG). Both
    /// solve the same system and agree to the CG <see cref="Tolerance"/>. At 6,401 points (d = 8, level 5) the direct
    /// search took a fifth of the CPU time of CG (see <see cref="DensitySystem"/>); the cubic cost and quadratic memory
    /// set the limit above that.
    /// </summary>
    public int DensePointLimit { get; init; } = DefaultDensePointLimit;

    /// <summary>Default of <see cref="DensePointLimit"/>.</summary>
    public const int DefaultDensePointLimit = 8000;

    /// <summary>Maximum conjugate-gradient iterations (default 1000).</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Relative residual at which CG stops (default 1e-6).</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>
    /// Where each density's grid lives (default <see cref="DensityBoxRule.Global"/>: the whole unit cube;
    /// <see cref="DensityBoxRule.PerGroup"/>: a box around each group's rows, see <see cref="DensityBox"/>).
    /// </summary>
    public DensityBoxRule Boxes { get; init; } = DensityBoxRule.Global;

    /// <summary>
    /// With <see cref="DensityBoxRule.PerGroup"/>, the share of a group's data range per dimension added to its box on
    /// both sides (default <see cref="DefaultBoxMargin"/>; see <see cref="DensityBox.Enclosing"/>).
    /// </summary>
    public double BoxMargin { get; init; } = DefaultBoxMargin;

    /// <summary>Default of <see cref="BoxMargin"/>.</summary>
    public const double DefaultBoxMargin = 0.1;
}

/// <summary>The domain of each density of <see cref="SparseGridDensity.FitGroups"/>.</summary>
public enum DensityBoxRule
{
    /// <summary>Every density on the whole unit cube [0, 1]^d.</summary>
    Global,

    /// <summary>
    /// Each group's density on its own box around the group's rows (<see cref="DensityBox.Enclosing"/>), zero outside:
    /// the same grid resolves a group's data finer by the inverse of the box's width per dimension.
    /// </summary>
    PerGroup,
}

/// <summary>The criterion that chooses lambda among <see cref="SparseGridDensityOptions.LambdaCandidates"/> on held-out rows.</summary>
public enum LambdaSelection
{
    /// <summary>Per density, the least held-out L2 risk integral f^2 - 2 mean_v f(x_v) (SG++'s cross-validation criterion).</summary>
    Risk,

    /// <summary>
    /// One lambda for all densities: the most held-out rows whose group is argmax_g P(g) f_g(x) (f unclamped) with P(g) the training
    /// group shares (the density classifier's validation accuracy); ties go to the smaller summed risk.
    /// </summary>
    Accuracy,
}
