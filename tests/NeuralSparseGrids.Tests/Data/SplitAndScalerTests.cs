using System.Text.Json;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class SplitAndScalerTests
{
    [Theory]
    [InlineData(8000, 0.6, 0.2, 0.2, 4800, 1600, 1600)]
    [InlineData(8000, 0.7, 0.15, 0.15, 5600, 1200, 1200)]
    [InlineData(101, 0.7, 0.15, 0.15, 71, 15, 15)]
    public void RandomSplit_HasExactSizesAndIsADisjointCover(int n, double a, double b, double c, int na, int nb, int nc)
    {
        var parts = DatasetSplitter.RandomIndices(n, [a, b, c], 3);
        Assert.Equal([na, nb, nc], parts.Select(p => p.Length));
        var all = parts.SelectMany(p => p).ToArray();
        Assert.Equal(n, all.Distinct().Count());
        Assert.All(all, i => Assert.InRange(i, 0, n - 1));
        Assert.Equal(parts[0], DatasetSplitter.RandomIndices(n, [a, b, c], 3)[0]);
        Assert.NotEqual(parts[0], DatasetSplitter.RandomIndices(n, [a, b, c], 4)[0]);
    }

    [Fact]
    public void RandomSplit_RejectsFractionsAboveOne() =>
        Assert.Throws<ArgumentException>(() => DatasetSplitter.RandomIndices(10, [0.8, 0.3], 0));

    [Fact]
    public void StratifiedSplit_KeepsClassProportions()
    {
        // Imbalanced labels: 600 of class 0, 300 of class 1, 100 of class 2.
        var labels = Enumerable.Range(0, 1000).Select(i => i < 600 ? 0 : i < 900 ? 1 : 2).ToArray();
        var parts = DatasetSplitter.StratifiedIndices(labels, [0.7, 0.15, 0.15], 1);
        Assert.Equal([700, 150, 150], parts.Select(p => p.Length));
        Assert.Equal(1000, parts.SelectMany(p => p).Distinct().Count());
        int[][] expected = [[420, 210, 70], [90, 45, 15], [90, 45, 15]];
        for (int p = 0; p < 3; p++)
        {
            var counts = new int[3];
            foreach (int i in parts[p]) counts[labels[i]]++;
            Assert.Equal(expected[p], counts);
        }
    }

    [Fact]
    public void StratifiedSplit_ByCountWithUnevenClasses()
    {
        var rng = new Random(0);
        var labels = Enumerable.Range(0, 10000).Select(_ => rng.Next(10)).ToArray();
        var parts = DatasetSplitter.StratifiedIndicesByCount(labels, [8000, 1000, 1000], 2);
        Assert.Equal([8000, 1000, 1000], parts.Select(p => p.Length));
        Assert.Equal(10000, parts.SelectMany(p => p).Distinct().Count());
        var total = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        for (int p = 0; p < 3; p++)
        {
            foreach (var g in parts[p].GroupBy(i => labels[i]))
            {
                double ideal = total[g.Key] * parts[p].Length / 10000.0;
                Assert.InRange(g.Count(), Math.Floor(ideal) - 1, Math.Ceiling(ideal) + 1);
            }
        }
    }

    [Fact]
    public void DatasetSplit_StratifiesClassificationByDefault()
    {
        var d = TwoMoons.Generate(new TwoMoonsOptions(1000), 1);
        var s = DatasetSplitter.Split(d, 0.7, 0.15, 0.15, seed: 4);
        Assert.Equal(700, s.Train.Rows);
        Assert.Equal([350, 350], s.Train.ClassCounts());
        Assert.Equal([75, 75], s.Validation.ClassCounts());
        Assert.Equal([75, 75], s.Test.ClassCounts());
    }

    [Fact]
    public void Scaler_MapsTrainingRangeToUnitIntervalAndRoundTrips()
    {
        double[] train = [1, 10, 5, 3, 2, 5, 3, 20, 5];
        var scaler = MinMaxScaler.Fit(train, 3, 3);
        var t = scaler.Transform(train, 3);
        // Column 0: range [1, 3]; column 1: range [2, 20]; column 2 is constant and maps to 0.5.
        Assert.Equal([0, Math.Round(8.0 / 18, 12), 0.5, 1, 0, 0.5, 1, 1, 0.5], t.Select(v => Math.Round(v, 12)));
        var back = scaler.InverseTransform(t, 3);
        for (int i = 0; i < train.Length; i++) Assert.Equal(train[i], back[i], 12);
        Assert.All(t, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Scaler_IsFittedOnTrainingSplitOnly()
    {
        var d = SwissRoll.Generate(new SwissRollOptions(Count: 1000), 2);
        var s = DatasetSplitter.Split(d, 0.6, 0.2, 0.2, 2);
        var scaler = MinMaxScaler.FitFeatures(s.Train);
        var train = scaler.TransformFeatures(s.Train);
        Assert.Equal(0.0, train.Features.Where((_, i) => i % 3 == 0).Min(), 12);
        Assert.Equal(1.0, train.Features.Where((_, i) => i % 3 == 0).Max(), 12);
        for (int j = 0; j < 3; j++)
        {
            var col = Enumerable.Range(0, s.Train.Rows).Select(i => s.Train.Feature(i, j));
            Assert.Equal(col.Min(), scaler.Min[j]);
            Assert.Equal(col.Max(), scaler.Max[j]);
        }
        // Test data scaled with the training range is not forced into [0, 1] exactly.
        var test = scaler.TransformFeatures(s.Test);
        Assert.Equal(s.Test.Rows, test.Rows);
        Assert.Same(s.Test.Targets, test.Targets);
    }

    [Fact]
    public void Scaler_StateSurvivesJson()
    {
        var scaler = MinMaxScaler.Fit(new double[,] { { 1, -2 }, { 3, 6 } });
        string json = JsonSerializer.Serialize(scaler.ToState());
        var restored = MinMaxScaler.FromState(JsonSerializer.Deserialize<MinMaxScalerState>(json)!);
        Assert.Equal(scaler.Transform(new double[,] { { 2, 0 } }), restored.Transform(new double[,] { { 2, 0 } }));
        Assert.Equal(new double[,] { { 0.5, 0.25 } }, restored.Transform(new double[,] { { 2, 0 } }));
        Assert.Throws<ArgumentException>(() => MinMaxScaler.FromState(new MinMaxScalerState([1], [0])));
    }
}
