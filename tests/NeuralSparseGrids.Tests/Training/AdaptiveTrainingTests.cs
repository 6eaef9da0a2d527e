using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public sealed class AdaptiveTrainingTests : IDisposable
{
    internal static readonly NsgModelConfig Config = new() { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [8] }, Latent = 2, Grid = new GridConfig { Level = 2 } };
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-adapt").FullName;

    public AdaptiveTrainingTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int epochs, TrainingMethod method = TrainingMethod.Gradient, AdaptMode mode = AdaptMode.Subspaces) => new()
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 0.01, Seed = 9, Method = method, RestoreBest = false,
        Adaptivity = new AdaptivityOptions { Mode = mode, RefineEvery = 2, RefineCount = 2, MaxPoints = 40 },
    };

    public static TheoryData<string> OptimizerKinds => ["fused-adam", "torch-adam", "torch-sgd"];

    // A replaced parameter continues exactly like a parameter that had the new rows from the start with zero gradient
    // there until the replacement: moments and step count carried, new rows' moments zero.
    [Theory]
    [MemberData(nameof(OptimizerKinds))]
    public void OptimizerStateIsCarriedToAReplacedParameter(string kind)
    {
        int[] sources = [0, 1, -1, 2, 3, 4, -1, -1];
        var gen = new Generator(5);
        var start = rand([5, 2], ScalarType.Float64, generator: gen);
        var w = rand([8, 2], ScalarType.Float64, generator: gen) - 0.5;
        var mask = tensor(sources.Select(s => s >= 0 ? 1.0 : 0.0).ToArray()).unsqueeze(1);
        var old = new Parameter(start.clone());
        var reference = new Parameter(CoefficientRemap.Rows(start, sources));
        using var optimizer = Make(kind, old);
        using var referenceOptimizer = Make(kind, reference);
        for (int step = 0; step < 6; step++)
        {
            var weights = step < 3 ? w * mask : w;
            Step(referenceOptimizer, reference, weights);
            if (step < 3) Step(optimizer, old, CoefficientRemap.Rows(w, [0, 1, 3, 4, 5]));
            else
            {
                if (step == 3)
                {
                    var grown = new Parameter(CoefficientRemap.Rows(old, sources));
                    optimizer.ReplaceParameter(old, grown, sources);
                    old = grown;
                }
                Step(optimizer, old, w);
            }
        }
        Assert.Equal([8L, 2L], old.shape);
        Assert.True((old - reference).abs().max().item<double>() < 1e-12, $"{kind}: differs by {(old - reference).abs().max().item<double>()}");
    }

    private static IStepOptimizer Make(string kind, Parameter p) => kind switch
    {
        "fused-adam" => new FusedAdam([([p], 1.0)], 0.05),
        "torch-adam" => StepOptimizers.Adam([p], 0.05),
        _ => new TorchOptimizer(g => torch.optim.SGD(g[0], 0.05, momentum: 0.9), [[p]], [1.0]),
    };

    private static void Step(IStepOptimizer optimizer, Parameter p, Tensor weights)
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        (p * weights).sum().backward();
        optimizer.Step();
    }

    [Theory]
    [InlineData(RefinementIndicator.Surplus, AdaptMode.Subspaces)]
    [InlineData(RefinementIndicator.Gradient, AdaptMode.Subspaces)]
    [InlineData(RefinementIndicator.Surplus, AdaptMode.Points)]
    [InlineData(RefinementIndicator.Gradient, AdaptMode.Points)]
    public void RefinementLeavesTheModelUnchangedAndCarriesSnapshots(RefinementIndicator indicator, AdaptMode mode)
    {
        var (train, validation) = TinySwissRoll.Create(200, seed: 3);
        using var model = NeuralSparseGrid.Create(Config, seed: 2);
        var options = Options(2, mode: mode) with { Adaptivity = Options(2, mode: mode).Adaptivity with { Indicator = indicator, MaxPoints = null, RefineCount = 3 } };
        new NsgTrainer(model, options with { Adaptivity = new() }).Fit(train, validation);
        using var optimizer = StepOptimizers.Create(model, options, model.parameters().ToList());
        var snapshot = ParameterSnapshot.Take(model);
        Tensor before;
        using (no_grad()) before = model.forward(validation.X);
        long pointsBefore = model.Grid.PointCount;
        var adaptation = new GridAdaptation(options.Adaptivity);
        var step = adaptation.Step(2, model, optimizer, train, [snapshot]);

        Assert.NotNull(step);
        // Points: only points whose support holds embeddings score above 0, and a point whose children are all present is passed over.
        if (mode == AdaptMode.Subspaces) Assert.Equal(3, step.Added.Length);
        else Assert.InRange(step.Added.Length, 1, 3);
        Assert.True(model.Grid.PointCount > pointsBefore);
        Assert.Equal(model.Grid.PointCount, step.PointsAfter);
        Assert.True(step.Indicators.All(v => v > 0) && step.Indicators.Zip(step.Indicators.Skip(1)).All(p => p.First >= p.Second));
        Assert.True(model.Grid.IsDownwardClosed);
        Assert.Equal(GridRemap.LevelVectors(model.Grid).Select(l => string.Join(',', l)), model.Config.Grid.Subspaces!.Select(l => string.Join(',', l)));
        // The configuration rebuilds the adapted grid, point sets included (how evaluate/predict/resume reload it).
        Assert.Equal(model.Grid.AllCoordinates(), model.Config.CreateGrid().AllCoordinates());
        if (mode == AdaptMode.Points)
        {
            Assert.True(model.Grid.HasPartialSubspaces);
            model.Grid.EnsureAncestorClosed();
            Assert.All(step.Added, p => Assert.Equal(2 * Config.Latent, p.Length));
        }
        using (no_grad())
        {
            var after = model.forward(validation.X);
            Assert.True((after - before).abs().max().item<float>() < 1e-6, "refinement changed the function");
        }
        Assert.Equal(model.Grid.PointCount, snapshot[NeuralSparseGrid.CoefficientsKey].shape[0]);
        ParameterSnapshot.Restore(model, snapshot); // shapes match the new grid
        // Training continues on the new grid with the carried optimizer.
        var loss = MethodSteps.GradientLoss(model, train.X, train.Y);
        optimizer.ZeroGrad();
        loss.backward();
        optimizer.Step();
        snapshot.Dispose();
        train.Dispose(); validation.Dispose();
    }

    // A step reads the embeddings its epoch's mini-batches computed (EpochEmbeddings), gathered row by row from
    // shuffled batches: with the parameters unchanged they are a fresh embedding of the split (up to the float
    // rounding of a different batch size); only a complete epoch's rows are handed out.
    [Fact]
    public void GatheredEmbeddingsAreAFreshEmbeddingWhenTheParametersAreUnchanged()
    {
        var (train, validation) = TinySwissRoll.Create(150, seed: 8);
        using var model = NeuralSparseGrid.Create(Config, seed: 4);
        Assert.True(EpochEmbeddings.CanGather(model));
        var gathered = new EpochEmbeddings();
        gathered.Begin(3, train.Count, Config.Latent);
        var order = EpochLoop.Permutation(train.Count, seed: 1, epoch: 3);
        for (int start = 0; start < order.Length; start += 32)
        {
            using var scope = NewDisposeScope();
            var rows = order.AsSpan(start, Math.Min(32, order.Length - start)).ToArray();
            if (start == 0) Assert.Null(gathered.Complete(3));
            MethodSteps.GradientLoss(model, train.X.index_select(0, tensor(rows.Select(r => (long)r).ToArray())), train.Y.index_select(0, tensor(rows.Select(r => (long)r).ToArray())),
                embedded: h => gathered.Record(rows, h));
        }
        Assert.Null(gathered.Complete(2));
        var rowsOfEpoch = gathered.Complete(3);
        Assert.NotNull(rowsOfEpoch);
        model.eval();
        float[] fresh;
        using (no_grad()) fresh = Predictor.Embed(model, train.X).contiguous().data<float>().ToArray();
        Assert.Equal(fresh.Length, rowsOfEpoch.Length);
        Assert.True(fresh.Zip(rowsOfEpoch).Max(p => Math.Abs(p.First - p.Second)) <= 1e-6f, "gathered rows differ from a fresh embedding");
        gathered.End();
        Assert.Null(gathered.Complete(3));
        train.Dispose(); validation.Dispose();
    }

    // Through the trainer: with the encoder frozen up to the step, the step on the gathered embeddings chooses the same
    // refinement with the same indicators as a step that embeds the split afresh.
    [Theory]
    [InlineData(AdaptMode.Subspaces)]
    [InlineData(AdaptMode.Points)]
    public void AStepOnTheGatheredEmbeddingsMatchesAStepOnAFreshEmbedding(AdaptMode mode)
    {
        var (train, validation) = TinySwissRoll.Create(240, seed: 8);
        var options = Options(3, mode: mode) with { Gradient = new GradientMethodOptions { FrozenEncoderEpochs = 2 } };
        var (gatheredStep, _) = GatheredAndFreshSteps(options, 2, "gather", train, validation);
        Assert.True(gatheredStep.Phases!.Values.Sum() <= gatheredStep.Seconds * (1 + 1e-9) + 1e-9 && gatheredStep.Phases.Values.Sum() >= gatheredStep.Seconds * 0.99,
            "the phases add up to the step's time");
        train.Dispose(); validation.Dispose();
    }

    /// <summary>
    /// The trainer's first step (model seed 4; asserted to come after <paramref name="epoch"/> and to have read the
    /// epoch's <paramref name="gatheredPhase"/>) and <see cref="FreshStep"/> at the same epoch (asserted not to), checked
    /// to choose the same with <see cref="AssertSameChoice"/>.
    /// </summary>
    internal static (GridRefinement Gathered, GridRefinement Fresh) GatheredAndFreshSteps(TrainingOptions options, int epoch, string gatheredPhase,
        TrainingSplit train, TrainingSplit validation, NsgModelConfig? config = null)
    {
        TrainingResult result;
        using (var model = NeuralSparseGrid.Create(config ?? Config, seed: 4))
            result = new NsgTrainer(model, options).Fit(train, validation);
        var gathered = result.Refinements[0];
        Assert.Equal(epoch, gathered.Epoch);
        Assert.True(gathered.Phases!.ContainsKey(gatheredPhase), $"the trainer's step read what its epoch gathered ({gatheredPhase})");
        var fresh = FreshStep(options, epoch, train, validation, config);
        Assert.False(fresh.Phases!.ContainsKey(gatheredPhase));
        AssertSameChoice(fresh, gathered);
        return (gathered, fresh);
    }

    /// <summary>
    /// The step after <paramref name="epoch"/> of a model (<see cref="Config"/>, seed 4) trained like the run up to
    /// that epoch but without adaptivity, taken directly: it embeds the training split afresh.
    /// </summary>
    internal static GridRefinement FreshStep(TrainingOptions options, int epoch, TrainingSplit train, TrainingSplit validation, NsgModelConfig? config = null)
    {
        using var reference = NeuralSparseGrid.Create(config ?? Config, seed: 4);
        new NsgTrainer(reference, options with { Epochs = epoch, Adaptivity = new() }).Fit(train, validation);
        using var optimizer = StepOptimizers.Create(reference, options, reference.parameters().ToList());
        var step = new GridAdaptation(options.Adaptivity).Step(epoch, reference, optimizer, train, []);
        Assert.NotNull(step);
        return step;
    }

    /// <summary>The two steps chose the same refinements, removed as many, with the same indicators (to 1e-5).</summary>
    internal static void AssertSameChoice(GridRefinement fresh, GridRefinement gathered)
    {
        Assert.Equal(fresh.Added.Select(a => string.Join(',', a)), gathered.Added.Select(a => string.Join(',', a)));
        Assert.Equal(fresh.Removed.Length, gathered.Removed.Length);
        for (int k = 0; k < fresh.Indicators.Length; k++)
            Assert.True(Math.Abs(fresh.Indicators[k] - gathered.Indicators[k]) <= 1e-5 * fresh.Indicators[k], $"indicator {k}: {gathered.Indicators[k]} vs fresh {fresh.Indicators[k]}");
    }

    [Theory]
    [InlineData(TrainingMethod.Gradient, AdaptMode.Subspaces)]
    [InlineData(TrainingMethod.LeastSquares, AdaptMode.Subspaces)]
    [InlineData(TrainingMethod.IterativeLeastSquares, AdaptMode.Subspaces)]
    [InlineData(TrainingMethod.Gradient, AdaptMode.Points)]
    [InlineData(TrainingMethod.LeastSquares, AdaptMode.Points)]
    [InlineData(TrainingMethod.IterativeLeastSquares, AdaptMode.Points)]
    public void EveryMethodTrainsOnAGrowingGridWithinTheBudget(TrainingMethod method, AdaptMode mode)
    {
        var (train, validation) = TinySwissRoll.Create(240, seed: 4);
        using var model = NeuralSparseGrid.Create(Config, seed: 3);
        var result = new NsgTrainer(model, Options(6, method, mode)).Fit(train, validation);
        Assert.Equal(6, result.EpochsCompleted);
        Assert.NotEmpty(result.Refinements);
        Assert.All(result.Refinements, r => Assert.True(r.PointsAfter <= 40));
        Assert.Equal(result.Refinements[^1].PointsAfter, model.Grid.PointCount);
        Assert.True(model.Grid.PointCount > 5);
        Assert.All(result.History, e => Assert.True(double.IsFinite(e.TrainLoss) && double.IsFinite(e.ValidationLoss)));
        train.Dispose(); validation.Dispose();
    }

    [Theory]
    [InlineData(AdaptMode.Subspaces)]
    [InlineData(AdaptMode.Points)]
    public void ResumingAfterARefinementGivesTheSameLossesAndTheSavedModelReloadsItsGrid(AdaptMode mode)
    {
        var (train, validation) = TinySwissRoll.Create(240, seed: 6);
        // Points: coarsening on, so the removed points travel through the checkpoint too.
        var adapt = mode == AdaptMode.Points ? new AdaptivityOptions { Mode = mode, RefineEvery = 2, RefineCount = 3, MaxPoints = 40, CoarsenTolerance = 0.05 } : Options(6).Adaptivity;
        TrainingResult full;
        using (var model = NeuralSparseGrid.Create(Config, seed: 5))
            full = new NsgTrainer(model, Options(6) with { Adaptivity = adapt }).Fit(train, validation);
        Assert.True(full.Refinements.Count >= 2, "the test needs refinements before and after the interruption");

        using (var model = NeuralSparseGrid.Create(Config, seed: 5))
            new NsgTrainer(model, Options(3) with { Adaptivity = adapt }).Fit(train, validation, _dir);
        TrainingResult resumed;
        using (var model = NeuralSparseGrid.Create(Config, seed: 77))
        {
            resumed = new NsgTrainer(model, Options(6) with { Adaptivity = adapt }).Fit(train, validation, _dir, resume: true);
            if (mode == AdaptMode.Points) Assert.True(model.Grid.HasPartialSubspaces);
            var (loaded, state) = Checkpoint.LoadModel(_dir);
            using (loaded)
            using (no_grad())
            {
                Assert.Equal(model.Grid.PointCount, loaded.Grid.PointCount);
                Assert.Equal(0.0, (model.forward(validation.X) - loaded.forward(validation.X)).abs().max().item<float>(), 6);
            }
            Assert.Equal(full.Refinements.Count, state.Refinements.Count);
            Assert.Equal(model.Grid.AllCoordinates(), loaded.Grid.AllCoordinates());
        }
        for (int e = 0; e < 6; e++)
        {
            Assert.True(Math.Abs(full.History[e].TrainLoss - resumed.History[e].TrainLoss) < 1e-10, $"epoch {e + 1}: {full.History[e].TrainLoss} vs resumed {resumed.History[e].TrainLoss}");
            Assert.Equal(full.History[e].ValidationLoss, resumed.History[e].ValidationLoss, 10);
        }
        Assert.Equal(full.Refinements.Select(r => r.PointsAfter), resumed.Refinements.Select(r => r.PointsAfter));
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void CoarseningRemovesLeavesWithSmallSurplusesAndChangesTheFunctionByAtMostThem()
    {
        var (train, validation) = TinySwissRoll.Create(200, seed: 7);
        using var model = NeuralSparseGrid.Create(Config with { Grid = new GridConfig { Level = 3 } }, seed: 2);
        var grid = model.Grid;
        int small = grid.FindSubspace([1, 3]), large = grid.FindSubspace([3, 1]);
        using (no_grad())
        {
            model.Layer.Coefficients.uniform_(-1, 1);
            model.Layer.Coefficients.narrow(0, grid.SubspaceOffsets[small], grid.SubspaceOffsets[small + 1] - grid.SubspaceOffsets[small]).mul_(1e-4);
        }
        double removedBound = model.Layer.Coefficients.narrow(0, grid.SubspaceOffsets[small], grid.SubspaceOffsets[small + 1] - grid.SubspaceOffsets[small]).abs().sum().item<float>();
        Tensor before;
        using (no_grad()) before = model.forward(validation.X);
        var options = new AdaptivityOptions { Mode = AdaptMode.Subspaces, CoarsenTolerance = 1e-3, RefineCount = 1, MaxPoints = grid.PointCount - 4 };
        using var optimizer = StepOptimizers.Create(model, new TrainingOptions(), model.parameters().ToList());
        var step = new GridAdaptation(options).Step(1, model, optimizer, train, []);
        Assert.NotNull(step);
        Assert.Equal(["1,3"], step.Removed.Select(l => string.Join(',', l)));
        Assert.Empty(step.Added); // the budget leaves no room, and (1,3) may not come back
        Assert.Equal(-1, model.Grid.FindSubspace([1, 3]));
        Assert.NotEqual(-1, model.Grid.FindSubspace([3, 1]));
        using (no_grad())
        {
            double change = (model.forward(validation.X) - before).abs().max().item<float>();
            Assert.True(change <= removedBound + 1e-6, $"change {change} exceeds the removed surpluses {removedBound}");
        }
        _ = large;
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void SpreadPenaltyIsTheDistanceToUniformQuantiles()
    {
        // 1-D: only the axis slice. Uniform quantiles score 0; all at 0.5: mean over k of (0.5 - (k + 0.5)/10)^2 = 0.0825.
        var uniform = ((arange(10, ScalarType.Float64) + 0.5) / 10).unsqueeze(1);
        Assert.Equal(0.0, SpreadPenalty.Of(uniform).item<double>(), 14);
        Assert.Equal(0.0825, SpreadPenalty.Of(full([10, 1], 0.5, ScalarType.Float64)).item<double>(), 12);
        // Margin range [0.1, 0.9]: quantiles shrink toward 0.5 by 0.8.
        Assert.Equal(0.0825 * 0.64, SpreadPenalty.Of(full([10, 1], 0.5, ScalarType.Float64), 0.1, 0.9).item<double>(), 12);
        // 2-D: a regular 64 x 64 grid of cell centres is nearly uniform in every slice; the diagonal h1 = h2 has uniform
        // marginals but not uniform coverage, and the diagonal slices see it.
        var centres = (arange(64, ScalarType.Float64) + 0.5) / 64;
        var square = stack([centres.repeat_interleave(64), centres.repeat(64)], 1);
        var diagonal = stack([(arange(4096, ScalarType.Float64) + 0.5) / 4096, (arange(4096, ScalarType.Float64) + 0.5) / 4096], 1);
        double onSquare = SpreadPenalty.Of(square).item<double>(), onDiagonal = SpreadPenalty.Of(diagonal).item<double>();
        Assert.True(onSquare < 1e-4, $"uniform square scores {onSquare}");
        Assert.True(onDiagonal > 100 * onSquare && onDiagonal > 0.005, $"diagonal {onDiagonal} vs square {onSquare}");
        // Differentiable: the gradient pulls a clustered batch apart.
        var h = full([8, 2], 0.5, ScalarType.Float64) + 0.01 * arange(16, ScalarType.Float64).reshape(8, 2);
        h.requires_grad = true;
        SpreadPenalty.Of(h).backward();
        Assert.True(h.grad!.abs().sum().item<double>() > 0);
    }

    [Fact]
    public void PointAdaptivityOnAnExtendedBoundaryGridIsRefusedClearly()
    {
        using var model = NeuralSparseGrid.Create(Config with { Grid = new GridConfig { Level = 2, Type = GridType.LinearExtendedBoundary } }, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => new NsgTrainer(model, Options(2, mode: AdaptMode.Points)));
        Assert.Contains("LinearExtendedBoundary", e.Message);
    }

    [Fact]
    public void PointCoarseningRemovesUnactivatedLeavesWithSmallSurplusesAndChangesTheFunctionByAtMostThem()
    {
        var (train, validation) = TinySwissRoll.Create(200, seed: 7);
        using var model = NeuralSparseGrid.Create(Config with { Grid = new GridConfig { Level = 5 } }, seed: 2);
        var grid = model.Grid;
        using (no_grad()) model.Layer.Coefficients.uniform_(-1, 1);
        var norms = model.Layer.Coefficients.detach().abs().amax([1]).data<float>().ToArray();
        Tensor before, embeddings;
        using (no_grad())
        {
            before = model.forward(validation.X);
            model.eval();
            embeddings = Predictor.Embed(model, train.X);
        }
        var activated = NeuralSparseGrids.Analysis.ActivatedPoints.Count(grid, embeddings.to(ScalarType.Float64).contiguous().data<double>().ToArray(), (int)train.Count).Mask;
        const double tolerance = 0.5;
        var options = new AdaptivityOptions { Mode = AdaptMode.Points, CoarsenTolerance = tolerance, RefineCount = 1, MaxPoints = 1 };
        using var optimizer = StepOptimizers.Create(model, new TrainingOptions(), model.parameters().ToList());
        var step = new GridAdaptation(options).Step(1, model, optimizer, train, []);
        Assert.NotNull(step);
        Assert.NotEmpty(step.Removed);
        Assert.Empty(step.Added);   // the budget leaves no room
        var leaves = PointRefinement.Leaves(grid).ToHashSet();
        double removedBound = 0;
        foreach (var p in step.Removed.Select(GridPoint.FromArray))
        {
            int row = grid.PointRow(grid.FindSubspace(p.Levels), p.LocalIndex(grid.Type));
            Assert.Contains(row, leaves);
            Assert.False(activated[row], $"{p} holds training embeddings");
            Assert.True(norms[row] <= tolerance * norms.Max() + 1e-7);
            removedBound += norms[row];
        }
        Assert.Equal(grid.PointCount - step.Removed.Length, model.Grid.PointCount);
        using (no_grad())
        {
            double change = (model.forward(validation.X) - before).abs().max().item<float>();
            Assert.True(change <= removedBound + 1e-6, $"change {change} exceeds the removed surpluses {removedBound}");
        }
        train.Dispose(); validation.Dispose();
    }
}
