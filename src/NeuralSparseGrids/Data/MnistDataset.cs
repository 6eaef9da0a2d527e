namespace NeuralSparseGrids.Data;

/// <summary>
/// In-memory MNIST-style images with labels, as produced by <see cref="IdxFile.LoadMnist(string, string)"/> and
/// <see cref="MnistNpmSource.Load"/>.
/// </summary>
/// <remarks>
/// <see cref="Images"/> is row-major with shape <c>(Count, Height, Width)</c> (for MNIST <c>(Count, 28, 28)</c>,
/// i.e. 784 floats per image, row by row); pixel <c>(r, c)</c> of image <c>i</c> is
/// <c>Images[i * Height * Width + r * Width + c]</c>, with values in [0, 1] (raw byte / 255).
/// </remarks>
public sealed class MnistDataset
{
    /// <summary>Wraps the given arrays (taken over, not copied).</summary>
    /// <param name="images">Pixels of shape <c>(count, height, width)</c>, row-major, values in [0, 1].</param>
    /// <param name="labels">Label of each image (length <c>count</c>), each in 0..9.</param>
    /// <param name="height">Image height in pixels (28 for MNIST).</param>
    /// <param name="width">Image width in pixels (28 for MNIST).</param>
    public MnistDataset(float[] images, int[] labels, int height = 28, int width = 28)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), "Image dimensions must be positive.");
        if ((long)labels.Length * height * width != images.LongLength)
            throw new ArgumentException($"images has length {images.Length}, expected labels.Length*height*width = {(long)labels.Length * height * width}.", nameof(images));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] > 9) throw new ArgumentException($"labels[{i}] = {labels[i]} is outside 0..9.", nameof(labels));
        }
        Images = images;
        Labels = labels;
        Height = height;
        Width = width;
    }

    /// <summary>Number of classes (digits 0..9).</summary>
    public const int ClassCount = 10;

    /// <summary>Pixels, shape <c>(Count, Height, Width)</c> row-major, values in [0, 1].</summary>
    public float[] Images { get; }

    /// <summary>Label of each image, length <see cref="Count"/>, values 0..9.</summary>
    public int[] Labels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Pixels per image, <c>Height * Width</c> (784 for MNIST).</summary>
    public int PixelsPerImage => Height * Width;

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The pixels of image <paramref name="index"/>, length <see cref="PixelsPerImage"/> (a view, not a copy).</summary>
    /// <param name="index">Image index in <c>0 .. Count-1</c>.</param>
    public ReadOnlySpan<float> Image(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        return Images.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>Number of images per digit, length 10.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (int l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>A copy holding the given images in the given order.</summary>
    /// <param name="indices">Image indices in <c>0 .. Count-1</c>.</param>
    public MnistDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int ppi = PixelsPerImage;
        var images = new float[indices.Count * ppi];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int s = indices[i];
            if ((uint)s >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Index {s} is outside 0..{Count - 1}.");
            Array.Copy(Images, (long)s * ppi, images, (long)i * ppi, ppi);
            labels[i] = Labels[s];
        }
        return new MnistDataset(images, labels, Height, Width);
    }

    /// <summary>
    /// Seeded stratified split into parts of exactly the given sizes (e.g. <c>[8000, 1000, 1000]</c> of the
    /// 10,000 npm digits); each part keeps the digit proportions. See <see cref="DatasetSplitter.StratifiedIndicesByCount"/>.
    /// </summary>
    /// <param name="sizes">Size of each part; the sum must not exceed <see cref="Count"/>.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    public MnistDataset[] StratifiedSplit(IReadOnlyList<int> sizes, int seed) =>
        DatasetSplitter.StratifiedIndicesByCount(Labels, sizes, seed).Select(Subset).ToArray();

    /// <summary>
    /// The images as a flat classification <see cref="Dataset"/>: features <c>(Count, Height*Width)</c> as doubles
    /// named <c>p0..p783</c>, labels 0..9 with class names "0".."9".
    /// </summary>
    public Dataset ToDataset()
    {
        var features = new double[Images.Length];
        for (int i = 0; i < features.Length; i++) features[i] = Images[i];
        var names = Enumerable.Range(0, PixelsPerImage).Select(i => "p" + i).ToArray();
        var classes = Enumerable.Range(0, ClassCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return Dataset.ForClassification(features, Count, PixelsPerImage, (int[])Labels.Clone(), classes, names, "label");
    }
}
