using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

public class SelectionSplitsTests
{
    [Theory]
    [InlineData(9, 5)]     // gasoline
    [InlineData(32, 5)]    // glass
    [InlineData(115, 5)]   // pima
    [InlineData(250, 4)]
    [InlineData(690, 2)]   // spam
    [InlineData(965, 2)]   // satellite
    [InlineData(1000, 1)]
    [InlineData(3000, 1)]  // letter
    public void RepeatsGiveAboutAThousandValidationRowsAtMostFive(int validationRows, int repeats) =>
        Assert.Equal(repeats, SelectionSplits.RepeatsFor(validationRows));

    [Fact]
    public void RepeatsDealTheTrainingAndValidationRowsAnewAndNeverTheTestRows()
    {
        // Feature 0 holds the row's number, so every part's rows can be traced back.
        int n = 200;
        var labels = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 1 : 0).ToArray();
        var data = Dataset.ForClassification([.. Enumerable.Range(0, n).Select(i => (double)i)], n, 1, labels, ["a", "b"]);
        var split = DatasetSplitter.Split(data, 0.7, 0.15, 0.15, seed: 3);
        var repeats = SelectionSplits.Make(split, seed: 3, repeats: 4);
        Assert.Equal(4, repeats.Count);
        Assert.Same(split.Train, repeats[0].Train);
        Assert.Same(split.Validation, repeats[0].Validation);
        var pool = split.Train.Features.Concat(split.Validation.Features).Order().ToArray();
        var test = split.Test.Features.ToHashSet();
        foreach (var r in repeats)
        {
            Assert.Same(r.Validation, r.Test); // nothing downstream can reach the real test rows
            Assert.Equal((split.Train.Rows, split.Validation.Rows), (r.Train.Rows, r.Validation.Rows));
            Assert.Equal(pool, r.Train.Features.Concat(r.Validation.Features).Order());
            Assert.DoesNotContain(r.Validation.Features, test.Contains);
            // Stratified: each part keeps the pool's class share within one row.
            double share = split.Train.ClassCounts()[1] + split.Validation.ClassCounts()[1];
            Assert.InRange(r.Validation.ClassCounts()[1], Math.Floor(share * r.Validation.Rows / pool.Length), Math.Ceiling(share * r.Validation.Rows / pool.Length));
            Assert.True(r.Train.Labels!.Zip(r.Train.Features).All(p => p.First == labels[(int)p.Second]));
        }
        Assert.NotEqual(repeats[1].Validation.Features, repeats[2].Validation.Features);
        // Seeded: the same deals again.
        var again = SelectionSplits.Make(split, seed: 3, repeats: 4);
        Assert.Equal(repeats[3].Validation.Features, again[3].Validation.Features);
        Assert.Equal(3, SelectionSplits.Seed(3, 0));
        Assert.NotEqual(SelectionSplits.Seed(3, 1), SelectionSplits.Seed(3, 2));
    }

    [Fact]
    public void ConcatJoinsRowsTargetsAndLabels()
    {
        var a = Dataset.ForRegression([1, 2, 3, 4], 2, 2, new double[,] { { 10 }, { 20 } });
        var b = Dataset.ForRegression([5, 6], 1, 2, new double[,] { { 30 } });
        var joined = Dataset.Concat(a, b);
        Assert.Equal([1, 2, 3, 4, 5, 6], joined.Features);
        Assert.Equal(new double[,] { { 10 }, { 20 }, { 30 } }, joined.Targets);
        Assert.Throws<ArgumentException>(() => Dataset.Concat(a, Dataset.ForRegression([1, 2, 3], 1, 3, new double[,] { { 1 } })));
    }
}
