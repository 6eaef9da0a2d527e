using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuralSparseGrids.Data;

/// <summary>Which half of the standard MNIST distribution.</summary>
public enum MnistPart
{
    /// <summary>60,000 training images: <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>.</summary>
    Train,

    /// <summary>10,000 test images: <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>.</summary>
    Test,
}

/// <summary>
/// Reads and writes the IDX files of the MNIST distribution (big-endian; unsigned bytes), plain or gzip.
/// </summary>
/// <remarks>
/// Images: magic 2051 (<c>0x00000803</c>), then count, rows, columns as big-endian int32, then
/// <c>count*rows*columns</c> pixel bytes. Labels: magic 2049 (<c>0x00000801</c>), count, then <c>count</c> bytes.
/// The reader checks the magic numbers, that the payload is complete and that nothing follows it, and reports
/// problems as <see cref="DataFormatException"/> with <see cref="DataFormatException.Line"/> = null.
/// </remarks>
public static class IdxFile
{
    /// <summary>Magic number of an IDX image file (unsigned byte, 3 dimensions).</summary>
    public const int ImagesMagic = 2051;

    /// <summary>Magic number of an IDX label file (unsigned byte, 1 dimension).</summary>
    public const int LabelsMagic = 2049;

    /// <summary>Standard file names (without <c>.gz</c>) of the images and labels of a part.</summary>
    /// <param name="part">Train or test.</param>
    public static (string Images, string Labels) FileNames(MnistPart part) => part switch
    {
        MnistPart.Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        MnistPart.Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        _ => throw new ArgumentOutOfRangeException(nameof(part)),
    };

    /// <summary>Reads an image file; pixels scaled to [0, 1] (byte / 255).</summary>
    /// <param name="path">Plain or gzip IDX image file.</param>
    /// <returns>Pixels of shape <c>(Count, Rows, Columns)</c> row-major, and the three dimensions.</returns>
    public static (float[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var bytes = ReadAll(path);
        CheckHeader(path, bytes, ImagesMagic, 16, "image");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (count < 0 || rows < 1 || cols < 1)
            throw new DataFormatException(path, null, $"invalid dimensions count={count}, rows={rows}, columns={cols}");
        long expected = 16 + (long)count * rows * cols;
        CheckLength(path, bytes.LongLength, expected, $"{count} images of {rows}x{cols}");
        var pixels = new float[expected - 16];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = bytes[16 + i] / 255f;
        return (pixels, count, rows, cols);
    }

    /// <summary>Reads a label file.</summary>
    /// <param name="path">Plain or gzip IDX label file.</param>
    /// <returns>One label per item (0..255 as stored).</returns>
    public static int[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        CheckHeader(path, bytes, LabelsMagic, 8, "label");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (count < 0) throw new DataFormatException(path, null, $"invalid label count {count}");
        CheckLength(path, bytes.LongLength, 8L + count, $"{count} labels");
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = bytes[8 + i];
        return labels;
    }

    /// <summary>Reads an image file and a label file into an <see cref="MnistDataset"/>; counts must agree and labels be 0..9.</summary>
    /// <param name="imagesPath">IDX image file (plain or gzip).</param>
    /// <param name="labelsPath">IDX label file (plain or gzip).</param>
    public static MnistDataset LoadMnist(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, cols) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DataFormatException(labelsPath, null, $"holds {labels.Length} labels but {imagesPath} holds {count} images");
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 9) throw new DataFormatException(labelsPath, null, $"label {i} is {labels[i]}, expected a digit 0..9");
        }
        return new MnistDataset(pixels, labels, rows, cols);
    }

    /// <summary>
    /// Loads a part from a directory holding the standard file names, each either plain or with <c>.gz</c>
    /// (the plain file is preferred when both exist).
    /// </summary>
    /// <param name="directory">Directory, e.g. the cache directory of <see cref="MnistDownloader"/>.</param>
    /// <param name="part">Train or test.</param>
    public static MnistDataset LoadMnist(string directory, MnistPart part)
    {
        var (images, labels) = FileNames(part);
        return LoadMnist(Locate(directory, images), Locate(directory, labels));
    }

    /// <summary>Writes an IDX image file (gzip-compressed when the name ends in <c>.gz</c>).</summary>
    /// <param name="path">Destination.</param>
    /// <param name="pixels">Raw pixel bytes of shape <c>(count, rows, columns)</c>, row-major.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="rows">Image height.</param>
    /// <param name="columns">Image width.</param>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int columns)
    {
        if ((long)count * rows * columns != pixels.Length) throw new ArgumentException("pixels length is not count*rows*columns.", nameof(pixels));
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], columns);
        Write(path, header, pixels);
    }

    /// <summary>Writes an IDX label file (gzip-compressed when the name ends in <c>.gz</c>).</summary>
    /// <param name="path">Destination.</param>
    /// <param name="labels">One byte per item.</param>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], labels.Length);
        Write(path, header, labels);
    }

    /// <summary>Checks the magic number and size of an IDX file without keeping its content.</summary>
    internal static void Validate(string path, bool images)
    {
        if (images) ReadImages(path);
        else ReadLabels(path);
    }

    private static string Locate(string directory, string name)
    {
        string plain = Path.Combine(directory, name);
        if (File.Exists(plain)) return plain;
        string gz = plain + ".gz";
        if (File.Exists(gz)) return gz;
        throw new FileNotFoundException($"Neither {plain} nor {gz} exists.", plain);
    }

    private static void Write(string path, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        using var fs = File.Create(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(fs, CompressionLevel.Optimal) : fs;
        s.Write(header);
        s.Write(payload);
    }

    private static byte[] ReadAll(string path)
    {
        using var stream = DataFile.OpenRead(path);
        using var ms = new MemoryStream();
        try
        {
            stream.CopyTo(ms);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, null, "corrupt gzip stream", e);
        }
        return ms.ToArray();
    }

    private static void CheckHeader(string path, byte[] bytes, int magic, int headerLength, string what)
    {
        if (bytes.Length >= 4)
        {
            int found = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (found != magic)
                throw new DataFormatException(path, null, $"expected IDX {what} magic number {magic} (0x{magic:x8}), found {found} (0x{found:x8})");
        }
        if (bytes.Length < headerLength)
            throw new DataFormatException(path, null, $"file has {bytes.Length} bytes, too short for an IDX {what} header ({headerLength} bytes)");
    }

    private static void CheckLength(string path, long actual, long expected, string what)
    {
        if (actual < expected)
            throw new DataFormatException(path, null, $"truncated: header announces {what} ({expected} bytes in all) but the file has {actual} bytes");
        if (actual > expected)
            throw new DataFormatException(path, null, $"{actual - expected} unexpected bytes after the {what} announced by the header");
    }
}
