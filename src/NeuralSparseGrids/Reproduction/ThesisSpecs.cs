using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Reproduction;

/// <summary>The thesis' experiment setups (chapter 3) as <see cref="ExperimentSpec"/> factories.</summary>
public static class ThesisSpecs
{
    /// <summary>Swiss roll (Sec. 3.3.2): 8000 points, noise 0.1, unit-t response, 60/20/20, encoder 3-25-25-2, sigmoid, level 6, 200 epochs.</summary>
    public static ExperimentSpec SwissRoll(int level = 6, TrainingMethod method = TrainingMethod.Gradient, double? lr = null,
        double? lambda = null, OptimizerKind optimizer = OptimizerKind.Adam, HeadKind head = HeadKind.SparseGrid) => new()
    {
        Data = new DataSpec { Source = DataSources.SwissRoll, SwissRollT = SwissRollT.Unit, Count = 8000, Noise = 0.1 },
        Model = new NsgModelConfig { Encoder = new MlpEncoderConfig { HiddenLayers = [25, 25] }, Latent = 2, Grid = new GridConfig { Level = level }, Rescale = Rescaling.Sigmoid, Head = head },
        Training = new TrainingOptions
        {
            Method = method,
            Optimizer = optimizer,
            LearningRate = lr ?? BestLearningRate(method),
            LeastSquares = new LeastSquaresOptions { Lambda = lambda ?? BestLambda(method) },
            Epochs = 200,
            BatchSize = 64,
        },
        Split = (0.6, 0.2, 0.2),
    };

    /// <summary>The thesis' chosen learning rate per method: SGD 1e-2, LS 1e-3, ILS 5e-3 (Sec. 3.3.2, Fig. 3.8).</summary>
    public static double BestLearningRate(TrainingMethod method) => method switch
    {
        TrainingMethod.LeastSquares => 1e-3,
        TrainingMethod.IterativeLeastSquares => 5e-3,
        _ => 1e-2,
    };

    /// <summary>The thesis' chosen lambda: LS 1e-2, ILS 1e-1 (Fig. 3.8).</summary>
    public static double BestLambda(TrainingMethod method) => method == TrainingMethod.IterativeLeastSquares ? 1e-1 : 1e-2;

    /// <summary>Two moons variant (Sec. 3.4.2): 8000 points, noise 0.1, 70/15/15, encoder 3-15-15-2, level 5, lr 5e-3, 100 epochs.</summary>
    public static ExperimentSpec TwoMoons(int level = 5, double lr = 5e-3, HeadKind head = HeadKind.SparseGrid) => new()
    {
        Data = new DataSpec { Source = DataSources.TwoMoons, Count = 8000, Noise = 0.1 },
        Model = new NsgModelConfig { Encoder = new MlpEncoderConfig { HiddenLayers = [15, 15] }, Latent = 2, Grid = new GridConfig { Level = level }, Rescale = Rescaling.Sigmoid, Head = head },
        Training = new TrainingOptions { LearningRate = lr, Epochs = 100, BatchSize = 64 },
        Split = (0.7, 0.15, 0.15),
    };

    /// <summary>
    /// MNIST (Sec. 3.4.3) on a seeded 10k subset, 80/10/10: CNN encoder, latent 8, level 4, margin 0.1, Adam 1e-3, 10 epochs.
    /// </summary>
    public static ExperimentSpec Mnist(int level = 4, int latent = 8, string rescale = "margin:0.1", GridType grid = GridType.Linear,
        EncoderKind encoder = EncoderKind.Cnn, HeadKind head = HeadKind.SparseGrid) => new()
    {
        Data = new DataSpec { Source = DataSources.Mnist, Limit = 10_000 },
        Model = new NsgModelConfig
        {
            Encoder = encoder == EncoderKind.Cnn ? new CnnEncoderConfig() : new MlpEncoderConfig { HiddenLayers = [256, 64] },
            Latent = latent,
            Grid = new GridConfig { Type = grid, Level = level },
            Rescale = Rescaling.Parse(rescale),
            Head = head,
        },
        Training = new TrainingOptions { LearningRate = 1e-3, Epochs = 10, BatchSize = 64 },
        Split = (0.8, 0.1, 0.1),
    };

    /// <summary>
    /// Stellar spectra (Sec. 3.3.3) from the user's file: 70/15/15, encoder D-1000-40-3, sigmoid, level 6, Adam 5e-4,
    /// 100 epochs. Features are min-max scaled (the thesis l2-normalises each spectrum).
    /// </summary>
    public static ExperimentSpec Spectra(DataSpec data, int level = 6, double lr = 5e-4, TrainingMethod method = TrainingMethod.Gradient,
        HeadKind head = HeadKind.SparseGrid) => new()
    {
        Data = data,
        Model = new NsgModelConfig { Encoder = new MlpEncoderConfig { HiddenLayers = [1000, 40] }, Latent = 3, Grid = new GridConfig { Level = level }, Rescale = Rescaling.Sigmoid, Head = head },
        Training = new TrainingOptions
        {
            Method = method,
            LearningRate = method == TrainingMethod.Gradient ? lr : BestLearningRate(method),
            LeastSquares = new LeastSquaresOptions { Lambda = BestLambda(method) },
            Epochs = 100,
            BatchSize = 64,
        },
        Split = (0.7, 0.15, 0.15),
    };
}
