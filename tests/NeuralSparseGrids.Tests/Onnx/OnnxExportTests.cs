using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Onnx;
using NeuralSparseGrids.Tests.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Onnx;

/// <summary>
/// The exported graph, run by ONNX Runtime in the same process as libtorch, against the TorchSharp model: every grid
/// type, regression and classification, MLP and CNN encoders, sparse grid and dense heads.
/// </summary>
[Collection("Torch")]
public sealed class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<GridType, NsgTask, string> MlpCases()
    {
        var data = new TheoryData<GridType, NsgTask, string>();
        foreach (var type in Enum.GetValues<GridType>())
            foreach (var task in new[] { NsgTask.Regression, NsgTask.Classification })
                data.Add(type, task, type == GridType.Linear ? "margin:0.1" : type == GridType.LinearBoundary ? "tanh" : "sigmoid");
        return data;
    }

    [Theory]
    [MemberData(nameof(MlpCases))]
    public void Mlp_export_matches_the_torch_model(GridType type, NsgTask task, string rescale)
    {
        var config = MlpConfig(type, task) with { Rescale = Rescaling.Parse(rescale) };
        using var model = NeuralSparseGrid.Create(config, seed: 3);
        AssertParity(model, rows: 300, seed: 5);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.ModifiedLinear)]
    public void Export_of_an_adapted_grid_matches_the_torch_model(GridType type)
    {
        // The adapted subspace set as training leaves it in the model config (GridConfig.Subspaces), rebuilt by Create.
        var config = new NsgModelConfig
        {
            Task = NsgTask.Regression, Inputs = 4, Encoder = new MlpEncoderConfig { HiddenLayers = [12], LatentInitGain = 6 }, Latent = 2, Outputs = 2,
            Grid = new GridConfig { Type = type, Level = 3, Subspaces = [[1, 1], [2, 1], [1, 2], [3, 1], [4, 1], [2, 2], [5, 1], [1, 3]] },
        };
        using var model = NeuralSparseGrid.Create(config, seed: 4);
        Assert.Equal(1 + 2 + 2 + 4 + 8 + 4 + 16 + 4, model.Grid.PointCount);
        AssertParity(model, rows: 200, seed: 6);
    }

    [Theory]
    [InlineData(GridType.Linear, NsgTask.Regression)]
    [InlineData(GridType.ModifiedLinear, NsgTask.Classification)]
    [InlineData(GridType.LinearBoundary, NsgTask.Regression)]
    public void Spatially_adaptive_grid_export_matches_the_torch_model(GridType type, NsgTask task)
    {
        // Partial subspaces as `--adapt points` leaves them (GridConfig.SubspacePoints), rebuilt by Create.
        var grid = NeuralSparseGrids.Tests.Grids.SpatialGrids.Random(type, 3, 2, 10, 31);
        Assert.True(grid.HasPartialSubspaces);
        var config = MlpConfig(type, task) with
        {
            Grid = new GridConfig { Type = type, Level = 2, Subspaces = GridRemap.LevelVectors(grid), SubspacePoints = GridRemap.PointSets(grid) },
        };
        using var model = NeuralSparseGrid.Create(config, seed: 4);
        Assert.Equal(grid.PointCount, model.Grid.PointCount);
        AssertParity(model, rows: 300, seed: 6);
    }

    /// <summary>Every grid type with regression and classification.</summary>
    public static TheoryData<GridType, NsgTask> GridsAndTasks()
    {
        var data = new TheoryData<GridType, NsgTask>();
        foreach (var type in Enum.GetValues<GridType>())
            foreach (var task in new[] { NsgTask.Regression, NsgTask.Classification })
                data.Add(type, task);
        return data;
    }

    [Theory]
    [MemberData(nameof(GridsAndTasks))]
    public void Anisotropic_grid_export_matches_the_torch_model(GridType type, NsgTask task)
    {
        var config = MlpConfig(type, task) with { Grid = new GridConfig { Type = type, Level = 5, Levels = [5, 2, 3] } };
        using var model = NeuralSparseGrid.Create(config, seed: 4);
        Assert.NotEqual(SparseGrid.Create(3, 5, type).PointCount, model.Grid.PointCount);
        AssertParity(model, rows: 300, seed: 6);
    }

    [Theory]
    [MemberData(nameof(GridsAndTasks))]
    public void Downward_closed_subspace_set_export_matches_the_torch_model(GridType type, NsgTask task)
    {
        var config = MlpConfig(type, task);
        // An L-shaped, dimension-adaptive set: deep in h_1, shallow in h_2, one refinement in h_3; not a regular or
        // anisotropic grid of any level vector.
        int m = Basis1D.MinLevel(type);
        var levels = new List<int[]>();
        for (int a = 0; a <= 4; a++)
            for (int b = 0; b <= 1; b++)
                if (b == 0 || a <= 2) levels.Add([m + a, m + b, m]);
        levels.Add([m, m, m + 1]);
        levels.Add([m + 1, m, m + 1]);
        var grid = SparseGrid.FromDownwardClosedSubspaces(3, type, levels);
        using var encoder = Encoders.Create(config, seed: 8);
        using var layer = new SparseGridLayer(grid, config.Outputs);
        using var model = new NeuralSparseGrid(config, encoder, layer);
        AssertParity(model, rows: 300, seed: 10);
    }

    private static NsgModelConfig MlpConfig(GridType type, NsgTask task) => new()
    {
        Task = task, Inputs = 4, Encoder = new MlpEncoderConfig { HiddenLayers = [12, 9], Activation = Activation.Tanh, LatentInitGain = 6 },
        Latent = 3, Grid = new GridConfig { Type = type, Level = 4 }, Outputs = task == NsgTask.Classification ? 3 : 2,
    };

    [Theory]
    [MemberData(nameof(GridsAndTasks))]
    public void Cnn_export_with_residual_blocks_and_batch_norm_matches_the_torch_model(GridType type, NsgTask task)
    {
        var config = new NsgModelConfig
        {
            Task = task, Encoder = new CnnEncoderConfig { ImageSize = 8, Width = 4 }, Inputs = 64, Latent = 2, Grid = new GridConfig { Type = type, Level = 5 },
            Outputs = task == NsgTask.Classification ? 4 : 1,
        };
        using var model = NeuralSparseGrid.Create(config, seed: 7);
        // Non-trivial batch-norm statistics and affine parameters (fresh ones are mean 0, variance 1, weight 1, bias 0).
        using (torch.no_grad())
        {
            var generator = new Generator(11);
            foreach (var bn in model.Encoder.modules().OfType<BatchNorm2d>())
            {
                bn.running_mean!.copy_(torch.randn(bn.running_mean.shape, generator: generator) * 0.3);
                bn.running_var!.copy_(torch.rand(bn.running_var.shape, generator: generator) + 0.5);
                bn.weight!.copy_(torch.rand(bn.weight.shape, generator: generator) + 0.5);
                bn.bias!.copy_(torch.randn(bn.bias.shape, generator: generator) * 0.2);
            }
        }
        // Spread the embeddings over the box (a fresh CNN maps every image near its centre): standardise the raw
        // latent of the test images through the last Linear layer, z' = 0.6 (z - mean z) / std z (a larger gain
        // also magnifies the float32 rounding differences of the convolutions, which cancel in z - mean z).
        model.eval();
        using (torch.no_grad())
        {
            var z = model.Encoder.forward(torch.tensor(Features(64, 64, seed: 9), [64, 64]));
            var mean = z.mean([0]);
            var gain = 0.6 / z.std(0);
            var head = ((CnnEncoder)model.Encoder).Head;
            head.weight!.mul_(gain.unsqueeze(1));
            head.bias!.sub_(mean).mul_(gain);
        }
        // The outputs are compared with a bound measured on the model itself, not with a fixed 1e-5. The gain above
        // makes the embeddings a small difference of large pooled features (a fresh CNN pools every image to nearly the
        // same features), so every float32 evaluation of this network is only good to ~1e-5 in the outputs: measured
        // (level 5, 64 rows), libtorch's own channels-last and NCHW float32 runs of this very model differ by up to
        // 1.28e-5, each is up to 9.4e-6 from the float64 evaluation, and ONNX Runtime is up to 1.3e-5 from it (with or
        // without its Conv+BatchNormalization fusion). So: ONNX Runtime must be as close to the float64 model as
        // twice libtorch's float32 error, and never further than 1e-5 where libtorch is exact to 5e-6.
        AssertParity(model, rows: 64, seed: 9, float64Reference: true);
    }

    [Fact]
    public void Dense_head_export_matches_the_torch_model()
    {
        var config = new NsgModelConfig { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [8] }, Latent = 2, Grid = new GridConfig { Level = 3 }, Head = HeadKind.Dense, Outputs = 1 };
        using var model = NeuralSparseGrid.Create(config, seed: 1);
        AssertParity(model, rows: 50, seed: 2);
    }

    [Fact]
    public void Exported_graph_uses_standard_operators_only_and_declares_the_opset()
    {
        var config = new NsgModelConfig { Inputs = 3, Latent = 2, Grid = new GridConfig { Type = GridType.LinearExtendedBoundary, Level = 3 } };
        using var model = NeuralSparseGrid.Create(config, seed: 1);
        var proto = NsgOnnxExporter.Build(model);
        Assert.All(proto.Graph.Node, n => Assert.Equal("", n.Domain));
        var op = Assert.Single(proto.OpsetImport);
        Assert.Equal("", op.Domain);
        Assert.Equal(NsgOnnxExporter.Opset, op.Version);
    }

    /// <summary>
    /// Randomises the coefficients (surplus-like, <see cref="SurplusLikeCoefficients"/>), exports, runs ONNX Runtime and
    /// compares outputs, embeddings, probabilities and labels.
    /// </summary>
    /// <param name="float64Reference">
    /// Also evaluates the model in float64 (converting it, last) and bounds the output error of ONNX Runtime against
    /// that by max(1e-5, 2 x libtorch's own float32 error), for networks whose float32 evaluation is itself only
    /// good to about 1e-5 (see the CNN test); the embeddings are still held to 1e-5 against libtorch.
    /// </param>
    internal static void AssertParity(NeuralSparseGrid model, int rows, int seed, bool float64Reference = false)
    {
        model.eval();
        if (model.DenseHead is null)
            using (torch.no_grad()) model.Layer.Coefficients.copy_(SurplusLikeCoefficients(model.Grid, model.Config.Outputs, seed));
        int inputs = model.Config.Inputs, outputs = model.Config.Outputs;
        var features = Features(rows, inputs, seed);

        float[] expected, embedding;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.tensor(features, [rows, inputs]);
            expected = model.forward(x).data<float>().ToArray();
            embedding = model.Embed(x).data<float>().ToArray();
        }
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "model.onnx");
        NsgOnnxExporter.Export(model, path);
        using var session = new NsgOnnxSession(path);
        var actual = session.Predict(features, rows);

        AssertClose(embedding, actual.Embedding, "embedding");
        if (float64Reference)
        {
            var exact = Float64Outputs(model, features, rows);
            double torchError = MaxDifference(expected, exact), onnxError = MaxDifference(actual.Output, exact);
            Assert.True(onnxError <= Math.Max(Tolerance, 2 * torchError),
                $"output: ONNX Runtime is {onnxError:G3} from the float64 model, libtorch float32 {torchError:G3} (onnx vs torch {MaxDifference(expected, actual.Output):G3})");
        }
        else AssertClose(expected, actual.Output, $"output (embeddings differ by up to {MaxDifference(embedding, actual.Embedding):G3})");
        // The embeddings must spread over the box, or the test would only exercise a few grid cells.
        double spread = Enumerable.Range(0, model.Config.Latent).Min(j =>
        {
            var column = Enumerable.Range(0, rows).Select(r => embedding[r * model.Config.Latent + j]).ToArray();
            return column.Max() - column.Min();
        });
        Assert.True(spread > 0.05, $"embeddings span only {spread:G3} in some dimension");
        if (model.Config.Task == NsgTask.Classification)
        {
            for (int r = 0; r < rows; r++)
            {
                var logits = expected.AsSpan(r * outputs, outputs).ToArray();
                double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
                for (int c = 0; c < outputs; c++)
                    Assert.InRange(actual.Probabilities[r * outputs + c], Math.Exp(logits[c] - max) / sum - Tolerance, Math.Exp(logits[c] - max) / sum + Tolerance);
                Assert.Equal(logits[(int)actual.Labels[r]], logits.Max());
            }
        }
        else if (!float64Reference) AssertClose(expected, actual.Values, "prediction");
    }

    // The model's outputs in float64 (the model is converted in place: call last).
    private static double[] Float64Outputs(NeuralSparseGrid model, float[] features, int rows)
    {
        model.to(ScalarType.Float64);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return model.forward(torch.tensor(features, [rows, model.Config.Inputs]).to(ScalarType.Float64)).data<double>().ToArray();
    }

    /// <summary>Random rows with their own contrast and brightness, so that even globally pooled CNN features differ between rows.</summary>
    internal static float[] Features(int rows, int inputs, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * inputs];
        for (int r = 0; r < rows; r++)
        {
            double contrast = 0.2 + 2 * random.NextDouble(), brightness = 2 * random.NextDouble() - 1;
            for (int j = 0; j < inputs; j++) features[r * inputs + j] = (float)(contrast * (random.NextDouble() * 2 - 1) + brightness);
        }
        return features;
    }

    /// <summary>
    /// Normal coefficients with standard deviation 2^-(|l|_1 - min |l|_1): hierarchical surpluses shrink with the level
    /// (those of a smooth function like 2^-2|l|_1). With std 1 on every level the grid function would have slopes of
    /// order 2^(max level) per basis function, and two float32 evaluations of the same network could no longer agree
    /// to 1e-5: one rounding step of an embedding coordinate (6e-8) times a slope of a few hundred already exceeds it
    /// (measured: 6.6e-5 for V^0B, d = 3, level 4, whose one-dimensional levels reach 6).
    /// </summary>
    internal static Tensor SurplusLikeCoefficients(SparseGrid grid, int outputs, int seed)
    {
        var random = new Random(seed);
        var values = new float[grid.PointCount * outputs];
        Span<int> levels = stackalloc int[grid.Dim];
        Span<int> indices = stackalloc int[grid.Dim];
        int minSum = grid.Dim * Basis1D.MinLevel(grid.Type);
        for (long p = 0; p < grid.PointCount; p++)
        {
            grid.LevelIndex(p, levels, indices);
            int sum = 0;
            foreach (int l in levels) sum += l;
            double std = Math.Pow(2, -(sum - minSum));
            for (int o = 0; o < outputs; o++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                values[p * outputs + o] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
        }
        return torch.tensor(values, [grid.PointCount, outputs]);
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();

    private static double MaxDifference(float[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    internal static void AssertClose(float[] expected, float[] actual, string what, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            if (e > worst) (worst, at) = (e, i);
        }
        Assert.True(worst <= tolerance, $"{what}: largest difference {worst:G3} at {at} (torch {expected[at]}, onnx {actual[at]})");
    }
}
