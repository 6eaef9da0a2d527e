using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Reproduction;

public static partial class ThesisTables
{
    private static TableDefinition Table311()
    {
        var published = new Dictionary<TrainingMethod, double[]>
        {
            [TrainingMethod.Gradient] = [0, 0.3, 0.6, 0.9, 1.0],
            [TrainingMethod.LeastSquares] = [0, 0.3, 0.4, 0.8, 1.0],
            [TrainingMethod.IterativeLeastSquares] = [0, 0.3, 0.5, 0.8, 0.9],
        };
        return new TableDefinition
        {
            Id = "3.11",
            Title = "Table 3.11: Loss burst rate by learning rate (swiss roll, 10 runs each)",
            Notes = SwissRollNote + " A burst is an epoch whose mean training loss is over 10x the median of the last 10 epochs (thesis: 'increases over 10 times within several epochs'); the rate is the " +
                    "fraction of runs (seeds) with at least one burst. Lambda as in Table 3.2.",
            Seeds = 10,
            Quick = new ReproductionScale(Epochs: 10, Count: 1000, Seeds: 3),
            Cells = _ =>
            [
                .. Methods.SelectMany(m => Enumerable.Range(1, 5).Select(i =>
                    new ReproCell(Lr(i * 1e-3), Name(m), Measure.BurstRate, published[m][i - 1], ThesisSpecs.SwissRoll(6, m, i * 1e-3)))),
            ],
        };
    }

    private static TableDefinition Table312()
    {
        var swiss = new Dictionary<TrainingMethod, double> { [TrainingMethod.Gradient] = 0.0006, [TrainingMethod.LeastSquares] = 0.0012, [TrainingMethod.IterativeLeastSquares] = 0.0004 };
        var stellar = new Dictionary<TrainingMethod, double> { [TrainingMethod.Gradient] = 0.0269, [TrainingMethod.LeastSquares] = 0.0416, [TrainingMethod.IterativeLeastSquares] = 0.0410 };
        return new TableDefinition
        {
            Id = "3.12",
            Title = "Table 3.12: MSE by 3 training methods on swiss roll and stellar parameter estimation",
            Notes = SwissRollNote + " Stellar column: " + SpectraHelp,
            Cells = c =>
            {
                var specs = Methods.ToDictionary(m => m, m => ThesisSpecs.SwissRoll(6, m));
                return
                [
                    .. Methods.SelectMany(m => new[]
                    {
                        new ReproCell(Name(m), "Swissroll", Measure.TestMse, swiss[m], specs[m]),
                        UserData(c, Name(m), "Stellar Parameter", Measure.TestMseRaw, stellar[m], d => ThesisSpecs.Spectra(d, method: m)),
                    }),
                    BayesFloor("Swissroll", specs[TrainingMethod.Gradient]),
                ];
            },
        };
    }

    private static TableDefinition Table313()
    {
        (int Level, int Points, int Activated, double Ratio, double Acc)[] published =
        [
            (3, 17, 12, 0.70, 0.9565), (4, 49, 19, 0.38, 0.9580), (5, 129, 31, 0.24, 0.9575),
            (6, 321, 80, 0.25, 0.9645), (7, 769, 105, 0.13, 0.9620), (8, 1793, 108, 0.06, 0.9620),
        ];
        return new TableDefinition
        {
            Id = "3.13",
            Title = "Table 3.13: Activated grid points in the two moons variant",
            Notes = TwoMoonsNote + " Activated: grid points whose basis function is non-zero at a training embedding. The diameter " +
                    "columns (ours only) measure the thesis' 'small embeddings' observation (Sec. 3.5.2, Fig. 3.28): the largest pairwise " +
                    "distance of the training embeddings in [0,1]^2 after epoch 1 and at the end; the thesis finds it shrinks as the level grows.",
            Quick = new ReproductionScale(Epochs: 60, Count: 8000, Seeds: 1),
            Cells = _ => [.. published.SelectMany(p => ActivatedPointCells(p, ThesisSpecs.TwoMoons(p.Level), withFirstEpochDiameter: true))],
        };
    }

    // The columns of Tables 3.13 and 3.14 for one level: points, activated points, ratio, accuracy (thesis vs ours),
    // and the embedding diameter (ours only) at the end and, optionally, after the first epoch.
    private static IEnumerable<ReproCell> ActivatedPointCells((int Level, int Points, int Activated, double Ratio, double Acc) p,
        ExperimentSpec spec, bool withFirstEpochDiameter)
    {
        string row = $"level {p.Level}";
        yield return new ReproCell(row, "# grid points", Measure.GridPoints, p.Points, spec);
        yield return new ReproCell(row, "# activated", Measure.ActivatedPoints, p.Activated, spec);
        yield return new ReproCell(row, "ratio", Measure.ActivatedRatio, p.Ratio, spec);
        yield return new ReproCell(row, "accuracy", Measure.TestAccuracy, p.Acc, spec);
        if (withFirstEpochDiameter) yield return new ReproCell(row, "diameter (epoch 1)", Measure.DiameterEpoch1, null, spec);
        yield return new ReproCell(row, "diameter (final)", Measure.Diameter, null, spec);
    }

    private static TableDefinition Table314()
    {
        (int Level, int Points, int Activated, double Ratio, double Acc)[] published =
        [
            (3, 161, 157, 0.975, 0.9912), (4, 1121, 848, 0.756, 0.9907), (5, 6401, 5251, 0.820, 0.9907),
            (6, 31745, 19525, 0.615, 0.9905), (7, 141569, 91479, 0.646, 0.9915),
        ];
        return new TableDefinition
        {
            Id = "3.14",
            Title = "Table 3.14: Activated grid points in the MNIST example (CNN, latent 8)",
            Notes = MnistNote,
            Quick = MnistQuick,
            Cells = _ => [.. published.SelectMany(p => ActivatedPointCells(p, ThesisSpecs.Mnist(p.Level), withFirstEpochDiameter: false))],
        };
    }

    private static TableDefinition Table315() => new()
    {
        Id = "3.15",
        Title = "Table 3.15: Performance of ANN and NSG on different data sets",
        // Swiss roll and two moons at full size for 60 epochs; MNIST on 3000 digits for its 10 epochs.
        Quick = new ReproductionScale(Epochs: 60, Count: 8000, MaxRows: 3000, Seeds: 1),
        Notes = "ANN: the sparse grid layer replaced by a dense layer with the same parameter count (Eq. 3.27), gradient method. " +
                "NSG*: a sparse grid layer fitted on the trained ANN's frozen embeddings (ridge solve for regression, " +
                "gradient-trained coefficients for classification). " + SwissRollNote + " " + MnistNote + " Stellar column: " + SpectraHelp,
        Cells = c =>
        {
            var swissAnn = ThesisSpecs.SwissRoll(head: HeadKind.Dense);
            var swissNsg = ThesisSpecs.SwissRoll();
            var moonsAnn = ThesisSpecs.TwoMoons(head: HeadKind.Dense);
            var mnistAnn = ThesisSpecs.Mnist(head: HeadKind.Dense);
            ExperimentSpec? stellarAnn = c.UserData is null ? null : ThesisSpecs.Spectra(c.UserData, head: HeadKind.Dense);
            return
            [
                new ReproCell("ANN", "Swissroll (MSE)", Measure.TestMse, 0.0012, swissAnn),
                new ReproCell("NSG", "Swissroll (MSE)", Measure.TestMse, 0.0006, swissNsg),
                new ReproCell("NSG*", "Swissroll (MSE)", Measure.NsgStarMse, 0.0009, swissAnn),
                BayesFloor("Swissroll (MSE)", swissNsg),
                UserData(c, "ANN", "Stellar (MSE)", Measure.TestMseRaw, 0.0315, _ => stellarAnn!),
                UserData(c, "NSG", "Stellar (MSE)", Measure.TestMseRaw, 0.0269, d => ThesisSpecs.Spectra(d)),
                UserData(c, "NSG*", "Stellar (MSE)", Measure.NsgStarMseRaw, 0.0373, _ => stellarAnn!),
                new ReproCell("ANN", "Two Moons (accuracy)", Measure.TestAccuracy, 0.9690, moonsAnn),
                new ReproCell("NSG", "Two Moons (accuracy)", Measure.TestAccuracy, 0.9700, ThesisSpecs.TwoMoons()),
                new ReproCell("NSG*", "Two Moons (accuracy)", Measure.NsgStarAccuracy, 0.9624, moonsAnn),
                new ReproCell("ANN", "MNIST (accuracy)", Measure.TestAccuracy, 0.9914, mnistAnn),
                new ReproCell("NSG", "MNIST (accuracy)", Measure.TestAccuracy, 0.9918, ThesisSpecs.Mnist()),
                new ReproCell("NSG*", "MNIST (accuracy)", Measure.NsgStarAccuracy, 0.9932, mnistAnn),
            ];
        },
    };
}
