using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Tests.Grids;
using NeuralSparseGrids.Training;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

/// <summary>
/// Point refinement's data mass gathered inside the fused training step's backward pass (<see cref="EpochEmbeddings"/>,
/// <see cref="DataMass"/>): the same bits as the mass summed afresh from the same embeddings, close to a brute-force
/// sum of basis values, priced against the plain batches, and only handed out when complete.
/// </summary>
[Collection("Torch")]
public sealed class GatheredMassTests
{
    private static readonly NsgModelConfig Config = AdaptiveTrainingTests.Config;

    public GatheredMassTests() => TorchRuntime.EnsureLoaded();

    // Shuffled batches of a partial (spatially adaptive) grid, so absent points (weight 0) and repeated points occur.
    [Theory]
    [InlineData(1, 16)]
    [InlineData(10, 32)]   // vector rows (o >= 8): the mass is added in its own loop after the rows
    public void MassGatheredByTheFusedStepEqualsTheMassOfItsEmbeddingsBitForBit(int outputs, int batch)
    {
        var (train, validation) = TinySwissRoll.Create(200, seed: 3);
        var targets = train.Y.contiguous().data<float>().ToArray();
        using var wide = TrainingSplit.Regression(train.X.contiguous().data<float>().ToArray(), 3,
            targets.SelectMany(v => Enumerable.Repeat(v, outputs)).ToArray(), outputs);
        train.Dispose(); validation.Dispose();
        using var model = NeuralSparseGrid.Create(Config with { Outputs = outputs }, seed: 5);
        var grid = SpatialGrids.Random(GridType.Linear, 2, 3, refinements: 12, seed: 2);
        Assert.True(Enumerable.Range(0, grid.SubspaceCount).Any(grid.IsPartial), "the test needs partial subspaces");
        model.ChangeGrid(grid, GridRemap.PointSources(model.Grid, grid)).Dispose();
        var options = new TrainingOptions { BatchSize = batch, Seed = 1 };
        var step = FusedMlpStep.TryCreate(model, options, wide);
        Assert.NotNull(step);

        var gathered = new EpochEmbeddings();
        for (int i = 0; i < EpochEmbeddings.MinimumPlainBatches; i++) gathered.RecordBackward(1e-3);
        gathered.Begin(4, wide.Count, Config.Latent, model.Grid);
        var order = EpochLoop.Permutation(wide.Count, seed: 1, epoch: 4);
        for (int start = 0; start < order.Length; start += batch)
        {
            if (start > 0) Assert.Null(gathered.MassUnits(4, model.Grid));   // not before every row was seen
            step.Run(wide.X, wide.Y, order.AsSpan(start, Math.Min(batch, order.Length - start)), gathered);
            gathered.RecordBackward(step.BackwardSeconds);
        }
        var units = gathered.MassUnits(4, model.Grid);
        Assert.NotNull(units);
        var embeddings = SubspaceIndicators.InBox(gathered.Complete(4)!);
        Assert.Equal(SubspaceIndicators.MassUnits(model.Grid, embeddings), units);
        Assert.Contains(units, u => u == 0);   // the embeddings leave some supports empty: exact zeros are tested
        Assert.Contains(units, u => u > 0);

        // Independently: the mass as a brute-force sum of basis values (double) over the embeddings.
        var mass = SubspaceIndicators.Mass(units, wide.Count);
        int n = wide.Count;
        for (long p = 0; p < grid.PointCount; p++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += grid.BasisValue(p, [embeddings[2 * i], embeddings[2 * i + 1]]);
            Assert.True(Math.Abs(mass[p] - sum / n) <= 1e-5 * Math.Max(1e-3, sum / n), $"point {p}: gathered {mass[p]}, brute force {sum / n}");
            Assert.Equal(sum == 0, units[p] == 0);   // coarsening's activation test: no embedding in the support exactly at zero units
        }
        gathered.End();
        Assert.Null(gathered.MassUnits(4, model.Grid));
    }

    // Through the trainer: with the encoder frozen up to the step, a point refinement step on the mass its epoch's
    // training steps gathered chooses what a step on a fresh embedding of the split chooses.
    [Fact]
    public void AStepOnTheGatheredMassMatchesAStepOnAFreshEmbedding()
    {
        var (train, validation) = TinySwissRoll.Create(240, seed: 8);
        var options = new TrainingOptions
        {
            Epochs = 4, BatchSize = 16, LearningRate = 0.01, Seed = 9, RestoreBest = false,
            Gradient = new GradientMethodOptions { FrozenEncoderEpochs = 3 },
            Adaptivity = new AdaptivityOptions { Mode = AdaptMode.Points, RefineEvery = 3, RefineCount = 2, MaxPoints = 40 },
        };
        using (var model = NeuralSparseGrid.Create(Config, seed: 4))
            Assert.NotNull(FusedMlpStep.TryCreate(model, options, train));
        // 12 batches an epoch: 24 plain ones to price the gathering with.
        var (gatheredStep, _) = AdaptiveTrainingTests.GatheredAndFreshSteps(options, 3, "mass", train, validation);
        Assert.False(gatheredStep.Phases!.ContainsKey("embed"), "nor embedded the split");
        Assert.NotEmpty(gatheredStep.Added);
        train.Dispose(); validation.Dispose();
    }

    // Subspace refinement with coarsening reads only whether each point's support holds an embedding: from the mass the
    // epoch gathered (not zero exactly when some basis value is), the same leaves are removed as by the term visitor
    // over a fresh embedding.
    [Theory]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void SubspaceCoarseningOnTheGatheredMassMatchesAStepOnAFreshEmbedding(double tolerance)
    {
        // Level 4: many supports hold no embedding, so whether a leaf goes depends on which points are activated.
        var config = Config with { Grid = new GridConfig { Level = 4 } };
        var (train, validation) = TinySwissRoll.Create(240, seed: 8);
        var options = new TrainingOptions
        {
            Epochs = 4, BatchSize = 16, LearningRate = 0.01, Seed = 9, RestoreBest = false,
            Gradient = new GradientMethodOptions { FrozenEncoderEpochs = 3 },
            Adaptivity = new AdaptivityOptions { Mode = AdaptMode.Subspaces, RefineEvery = 3, RefineCount = 2, MaxPoints = 100, CoarsenTolerance = tolerance },
        };
        var (gatheredStep, freshStep) = AdaptiveTrainingTests.GatheredAndFreshSteps(options, 3, "mass", train, validation, config);
        Assert.NotEmpty(gatheredStep.Removed);   // coarsening happened, so activation decided something
        Assert.Equal(freshStep.Removed.Select(r => string.Join(',', r)), gatheredStep.Removed.Select(r => string.Join(',', r)));
        train.Dispose(); validation.Dispose();
    }

    // A resumed run has timed no plain batches before its first due epoch, so its first step sums the mass from the
    // embeddings where the uninterrupted run gathered it in the training steps: DataMass's exact sums make the two the
    // same bits, so the runs stay identical.
    [Fact]
    public void AResumedRunWhoseStepSumsTheMassAfreshRepeatsTheRunThatGatheredIt()
    {
        var (train, validation) = TinySwissRoll.Create(240, seed: 6);
        var options = new TrainingOptions
        {
            Epochs = 6, BatchSize = 16, LearningRate = 0.01, Seed = 9, RestoreBest = false,
            Adaptivity = new AdaptivityOptions { Mode = AdaptMode.Points, RefineEvery = 2, RefineCount = 3, MaxPoints = 40, CoarsenTolerance = 0.05 },
        };
        var dir = Directory.CreateTempSubdirectory("nsg-mass").FullName;
        try
        {
            TrainingResult full, resumed;
            using (var model = NeuralSparseGrid.Create(Config, seed: 5))
                full = new NsgTrainer(model, options).Fit(train, validation);
            var afterInterruption = full.Refinements.Single(r => r.Epoch == 4);
            Assert.True(afterInterruption.Phases!.ContainsKey("mass"), "the uninterrupted run gathered the mass for its epoch-4 step");
            using (var model = NeuralSparseGrid.Create(Config, seed: 5))
                new NsgTrainer(model, options with { Epochs = 3 }).Fit(train, validation, dir);
            using (var model = NeuralSparseGrid.Create(Config, seed: 77))
                resumed = new NsgTrainer(model, options).Fit(train, validation, dir, resume: true);
            var resumedStep = resumed.Refinements.Single(r => r.Epoch == 4);
            Assert.False(resumedStep.Phases!.ContainsKey("mass"), "the resumed run had no plain batches to price the mass with");
            Assert.Equal(afterInterruption.Added.Select(a => string.Join(',', a)), resumedStep.Added.Select(a => string.Join(',', a)));
            Assert.Equal(afterInterruption.Indicators, resumedStep.Indicators);   // bit for bit
            for (int e = 0; e < options.Epochs; e++)
                Assert.Equal(full.History[e].TrainLoss, resumed.History[e].TrainLoss);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            train.Dispose(); validation.Dispose();
        }
    }

    // A step that reads only the mass (point refinement, surplus indicator) lets its epoch count the rows instead of
    // copying them, but only when the mass is gathered: without it the rows are the step's only source.
    [Fact]
    public void RowsAreCountedNotCopiedWhenOnlyTheGatheredMassIsRead()
    {
        var grid = SparseGrid.Create(2, 3, GridType.Linear);
        var gathered = new EpochEmbeddings();
        int[] rows = [2, 0, 3, 1];
        float[] h = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];

        gathered.Begin(1, 4, 2, grid, rowsBesideMass: false);   // no plain batches yet: no mass, so the rows are kept
        Assert.Null(gathered.MassUnitsFor(grid));
        gathered.Record(rows, h);
        Assert.Equal(new[] { 0.3f, 0.4f, 0.7f, 0.8f, 0.1f, 0.2f, 0.5f, 0.6f }, gathered.Complete(1));
        gathered.End();

        for (int i = 0; i < EpochEmbeddings.MinimumPlainBatches; i++) gathered.RecordBackward(1e-3);
        gathered.Begin(2, 4, 2, grid, rowsBesideMass: false);
        Assert.NotNull(gathered.MassUnitsFor(grid));
        Assert.False(gathered.Recorded(2));
        gathered.Record(rows[..3], h.AsSpan(0, 6));
        gathered.RecordBackward(1e-3);
        Assert.True(gathered.Recorded(2));
        Assert.Null(gathered.MassUnits(2, grid));   // a row not seen yet
        gathered.Record(rows[3..], h.AsSpan(6, 2));
        Assert.NotNull(gathered.MassUnits(2, grid));   // every row seen once: the mass is handed out
        Assert.Null(gathered.Complete(2));   // but no rows were copied
        Assert.False(gathered.Recorded(3));
        gathered.End();
    }

    // The gathering work is inside the kernel, so it is priced: (median gathering pass - median plain pass) x batches.
    [Fact]
    public void MassGatheringIsPricedAgainstThePlainBatchesAndNeedsEnoughOfThem()
    {
        var grid = SparseGrid.Create(2, 3, GridType.Linear);
        var other = SparseGrid.Create(2, 3, GridType.Linear);
        var gathered = new EpochEmbeddings();
        int[] rows = [0, 1, 2, 3];
        float[] h = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];

        for (int i = 0; i < EpochEmbeddings.MinimumPlainBatches - 1; i++) gathered.RecordBackward(1e-3);
        gathered.Begin(1, 4, 2, grid);
        Assert.Null(gathered.MassUnitsFor(grid));   // too few plain batches to price it: not gathered
        gathered.Record(rows, h);
        for (int i = 0; i < EpochEmbeddings.MinimumPlainBatches; i++) gathered.RecordBackward(2e-3);
        Assert.Null(gathered.MassUnits(1, grid));
        Assert.NotNull(gathered.Complete(1));   // the embeddings are gathered all the same
        gathered.End();
        gathered.Begin(2, 4, 2, grid);
        Assert.Null(gathered.MassUnitsFor(grid));   // that epoch's batches preceded a step (another grid): no baseline
        gathered.End();

        // Plain batches since: one outlier does not move the median (1 ms).
        foreach (double s in new[] { 1e-3, 1e-3, 1e-3, 9e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3 }) gathered.RecordBackward(s);
        gathered.Begin(3, 4, 2, grid);
        Assert.NotNull(gathered.MassUnitsFor(grid));
        gathered.Record(rows[..2], h.AsSpan(0, 4));
        foreach (double s in new[] { 1.5e-3, 1.4e-3, 1.6e-3 }) gathered.RecordBackward(s);
        Assert.Null(gathered.MassUnits(3, grid));   // half the rows
        gathered.Record(rows[2..], h.AsSpan(4, 4));
        Assert.NotNull(gathered.MassUnits(3, grid));
        Assert.Null(gathered.MassUnits(2, grid));
        Assert.Equal(3 * 0.5e-3, gathered.MassSeconds, 12);

        // A batch on another grid spoils the epoch's mass.
        Assert.Null(gathered.MassUnitsFor(other));
        Assert.Null(gathered.MassUnits(3, grid));
        gathered.End();

        // Gathering batches faster than the plain ones (noise) cost nothing, not a negative time.
        for (int i = 0; i < EpochEmbeddings.MinimumPlainBatches; i++) gathered.RecordBackward(2e-3);
        gathered.Begin(4, 4, 2, grid);
        gathered.RecordBackward(1e-3);
        Assert.Equal(0, gathered.MassSeconds);
    }

    [Fact]
    public void DataMassUnitsRoundUpSoEveryNonZeroValueCountsAndSumsAreExact()
    {
        Assert.Equal(0, DataMass.Units(0));
        Assert.Equal(1, DataMass.Units(1e-20));
        Assert.Equal(1L << 30, DataMass.Units(1));
        Assert.Equal(3L << 29, DataMass.Units(1.5));
        Assert.Equal(0.75, DataMass.Of(DataMass.Units(1) + DataMass.Units(0.5), 2));
        Assert.Equal(0, DataMass.Of(0, 0));

        // The float32 overload (the training step's) gives the float64 one's units for every float32 value.
        var random = new Random(4);
        float[] special = [0f, 1f, 2f, 1e-30f, float.Epsilon, 0.5f, 0.1f, 1.9999999f, 3e-10f, 5.9604645e-8f];
        foreach (float v in special.Concat(Enumerable.Range(0, 10000).Select(_ => (float)(random.NextDouble() * Math.Pow(2, -random.Next(40))))))
            Assert.Equal(DataMass.Units((double)v), DataMass.Units(v));
    }
}
