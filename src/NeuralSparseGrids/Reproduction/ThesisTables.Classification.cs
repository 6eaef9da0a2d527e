using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Reproduction;

public static partial class ThesisTables
{
    private const string TwoMoonsNote = "Two moons variant: 8000 points, noise 0.1, 70/15/15, encoder 3-15-15-2, sigmoid, Adam, 100 epochs (the thesis gives no epoch count).";

    private const string MnistNote =
        "MNIST: a seeded 10k-image subset (80/10/10 split; the thesis trains on 60k), CNN encoder (ResNet-style, ~0.3M parameters), " +
        "margin rescaling 0.1, Adam lr 1e-3, 10 epochs (not given in the thesis).";

    // 3 epochs on 3000 digits (2400 for training): about half a minute per model on 2 cores, enough to land in the 0.9s.
    private static readonly ReproductionScale MnistQuick = new(Epochs: 3, MaxRows: 3000, Seeds: 1);

    private static TableDefinition Table36()
    {
        (double Lr, double Acc)[] published =
        [
            (1e-5, 0.8830), (5e-5, 0.9300), (1e-4, 0.9650), (5e-4, 0.9685), (1e-3, 0.9680),
            (5e-3, 0.9700), (1e-2, 0.9590), (5e-2, 0.9585), (1e-1, 0.8960), (5e-1, 0.4990),
        ];
        return new TableDefinition
        {
            Id = "3.6",
            Title = "Table 3.6: Accuracy by different learning rate (two moons variant, level 5)",
            Notes = TwoMoonsNote,
            Cells = _ => [.. published.Select(p => new ReproCell(Lr(p.Lr), "accuracy", Measure.TestAccuracy, p.Acc, ThesisSpecs.TwoMoons(lr: p.Lr)))],
        };
    }

    private static TableDefinition Table37()
    {
        double[] published = [0.9675, 0.9660, 0.9700, 0.9700, 0.9680, 0.9670];
        return new TableDefinition
        {
            Id = "3.7",
            Title = "Table 3.7: Accuracy of different sparse grid levels on the two moons variant",
            Notes = TwoMoonsNote,
            Cells = _ => [.. Enumerable.Range(3, 6).Select(l => new ReproCell("accuracy", $"level {l}", Measure.TestAccuracy, published[l - 3], ThesisSpecs.TwoMoons(l)))],
        };
    }

    private static TableDefinition Table38() => new()
    {
        Id = "3.8",
        Title = "Table 3.8: Accuracy of different boundary treatment (MNIST, level 3, dimension 7)",
        Notes = MnistNote + " Reserve margin: linear grid with rescaling 0.8 sigmoid + 0.1; V_n^{B(1)}: extended-boundary grid with plain sigmoid.",
        Quick = MnistQuick,
        Cells = _ =>
        [
            new ReproCell("accuracy", "reserve margin", Measure.TestAccuracy, 0.9918, ThesisSpecs.Mnist(3, 7, "margin:0.1")),
            new ReproCell("accuracy", "V_n^B(1)", Measure.TestAccuracy, 0.9904, ThesisSpecs.Mnist(3, 7, "sigmoid", GridType.LinearExtendedBoundary)),
        ],
    };

    private static TableDefinition Table39()
    {
        double[] published = [0.9915, 0.9916, 0.9891, 0.9887, 0.9901];
        return new TableDefinition
        {
            Id = "3.9",
            Title = "Table 3.9: Accuracy of different sparse grid levels (MNIST, CNN, latent 8)",
            Notes = MnistNote,
            Quick = MnistQuick,
            Cells = _ => [.. Enumerable.Range(3, 5).Select(l => new ReproCell("accuracy", $"level {l}", Measure.TestAccuracy, published[l - 3], ThesisSpecs.Mnist(l)))],
        };
    }

    private static TableDefinition Table310() => new()
    {
        Id = "3.10",
        Title = "Table 3.10: Accuracy on MNIST of different models",
        Notes = MnistNote + " ResNet18 is approximated by our CNN encoder with the equal-parameter dense head (latent 8, level-4 size); " +
                "CNN-SG(2d)/MLP-SG(2d) use latent 2 at level 6 (level not given); MLP-SG uses an MLP 784-256-64-2 with sigmoid.",
        Quick = MnistQuick,
        Cells = _ =>
        [
            Literature("accuracy", "B/M CNN[5]", Measure.TestAccuracy, 0.9984, "[5]"),
            new ReproCell("accuracy", "ResNet18", Measure.TestAccuracy, 0.9921, ThesisSpecs.Mnist(head: HeadKind.Dense), "CNN + dense head, not ResNet18"),
            Literature("accuracy", "SG[22]", Measure.TestAccuracy, 0.8251, "[22]"),
            new ReproCell("accuracy", "CNN-SG", Measure.TestAccuracy, 0.9916, ThesisSpecs.Mnist()),
            new ReproCell("accuracy", "CNN-SG(2d)", Measure.TestAccuracy, 0.9827, ThesisSpecs.Mnist(6, 2)),
            new ReproCell("accuracy", "MLP-SG(2d)", Measure.TestAccuracy, 0.9713, ThesisSpecs.Mnist(6, 2, "sigmoid", encoder: EncoderKind.Mlp)),
        ],
    };
}
