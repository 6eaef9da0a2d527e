using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

public class ComparisonRunnerTests
{
    /// <summary>Predicts a constant (class 0, or 0.0) and records the splits it was given.</summary>
    private sealed class Recording(string name, bool fail = false) : IComparisonMethod
    {
        public List<(int Seed, DatasetSplit Split)> Seen { get; } = [];
        public string Name => name;
        public string? NotApplicable(ComparisonProblem problem) => null;

        public IFittedMethod Fit(DatasetSplit split, int seed)
        {
            Seen.Add((seed, split));
            if (fail && seed == 2) throw new InvalidOperationException("boom on split 2");
            return new Constant();
        }

        private sealed class Constant : IFittedMethod
        {
            public string Detail => "constant";
            public double[] Predict(Dataset data) => new double[data.Rows * Math.Max(1, data.TargetCount)];
            public void Dispose() { }
        }
    }

    private sealed class NeverApplies : IComparisonMethod
    {
        public string Name => "never";
        public string? NotApplicable(ComparisonProblem problem) => "not for this data";
        public IFittedMethod Fit(DatasetSplit split, int seed) => throw new InvalidOperationException("must not be called");
    }

    [Fact]
    public void EveryMethodGetsTheSameSplitPerSeedAndTheSummaryIsTheMedianAndRange()
    {
        var data = new ScaledSplits(TinyData.Classification(rows: 200));
        var a = new Recording("a");
        var b = new Recording("b");
        var steps = new List<ComparisonStep>();
        var result = ComparisonRunner.Run(data, [a, b, new NeverApplies()], new ComparisonOptions { Splits = 4 }, steps.Add);

        Assert.Equal([1, 2, 3, 4], result.Seeds);
        Assert.Equal([140, 30, 30], result.SplitRows);
        Assert.Equal(a.Seen.Select(s => s.Seed), b.Seen.Select(s => s.Seed));
        for (int i = 0; i < 4; i++) Assert.Same(a.Seen[i].Split, b.Seen[i].Split);
        // Different seeds give different test parts.
        Assert.NotEqual(a.Seen[0].Split.Test.Features, a.Seen[1].Split.Test.Features);
        // A fresh split of the same seed is the same data (seeded).
        Assert.Equal(data.Split(3).Test.Features, a.Seen[2].Split.Test.Features);

        // Constant class 0: accuracy is the share of class 0 in each test part, computed independently here.
        var expected = a.Seen.Select(s => s.Split.Test.Labels!.Count(l => l == 0) / (double)s.Split.Test.Rows).ToArray();
        var summary = result.Methods[0];
        var sorted = expected.Order().ToArray();
        Assert.Equal((sorted[1] + sorted[2]) / 2, summary.Median, 12);
        Assert.Equal(sorted[0], summary.Min, 12);
        Assert.Equal(sorted[3], summary.Max, 12);
        Assert.Equal("n/a", ComparisonReport.Cell(result.Methods[2], true));
        Assert.Empty(result.Methods[2].Splits);
        // Progress: a start and an end per applicable (split, method), ending at the total.
        Assert.Equal(16, steps.Count);
        Assert.Equal(8, steps[^1].Done);
        Assert.Equal(8, steps[^1].Total);
    }

    [Fact]
    public void AFailingSplitIsRecordedAndTheOthersGoOn()
    {
        var result = ComparisonRunner.Run(new ScaledSplits(TinyData.Classification()), [new Recording("flaky", fail: true)], new ComparisonOptions { Splits = 3 });
        var m = result.Methods[0];
        Assert.Equal(1, m.Failures);
        Assert.Contains("boom on split 2", m.Splits[1].Detail);
        Assert.True(double.IsNaN(m.Splits[1].Score));
        Assert.False(double.IsNaN(m.Median));
        Assert.Contains("(1 failed)", ComparisonReport.Cell(m, true));
    }

    [Fact]
    public void RmseIsInTargetUnits()
    {
        var test = Dataset.ForRegression([0, 0, 0], 3, 1, new double[,] { { 1 }, { -2 }, { 2 } });
        Assert.Equal(Math.Sqrt((1 + 4 + 4) / 3.0), ComparisonRunner.Score([0, 0, 0], test), 12);
        Assert.Equal(Math.Sqrt(1 / 3.0), ComparisonRunner.Score([1, -2, 3], test), 12);
    }

    [Fact]
    public void MedianOfEvenAndOddCounts()
    {
        Assert.Equal(2, Statistics.Median([3, 1, 2]));
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(Statistics.Median([])));
    }

    [Fact]
    public void DuplicateMethodsAreRejected() =>
        Assert.Throws<ArgumentException>(() => ComparisonRunner.Run(new ScaledSplits(TinyData.Classification()), [new Recording("x"), new Recording("x")]));

    [Fact]
    public void FeaturesAreScaledWithTheTrainingPartOnly()
    {
        var split = new ScaledSplits(TinyData.Regression()).Split(1);
        for (int j = 0; j < 2; j++)
        {
            var column = Enumerable.Range(0, split.Train.Rows).Select(i => split.Train.Feature(i, j)).ToArray();
            Assert.Equal(0, column.Min(), 12);
            Assert.Equal(1, column.Max(), 12);
        }
        // Targets stay in their units.
        Assert.Contains(Enumerable.Range(0, split.Train.Rows), i => split.Train.Targets![i, 0] < -0.5);
    }
}
