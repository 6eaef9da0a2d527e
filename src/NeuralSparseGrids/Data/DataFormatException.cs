namespace NeuralSparseGrids.Data;

/// <summary>
/// A data file does not have the expected format. The message names the file, the 1-based line (for text
/// formats) and what was expected instead of what was found.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with <c>file:line: </c> (or <c>file: </c>).</summary>
    /// <param name="file">Path of the offending file, as given by the caller.</param>
    /// <param name="line">1-based line number for text formats; <see langword="null"/> for binary formats or whole-file problems.</param>
    /// <param name="detail">What was expected and what was found.</param>
    /// <param name="inner">Optional underlying exception.</param>
    public DataFormatException(string file, int? line, string detail, Exception? inner = null)
        : base(Format(file, line, detail), inner)
    {
        File = file;
        Line = line;
        Detail = detail;
    }

    /// <summary>Path of the offending file, as given by the caller.</summary>
    public string File { get; }

    /// <summary>1-based line number of the problem for text formats; <see langword="null"/> for binary formats
    /// (IDX, JSON) or problems that concern the whole file.</summary>
    public int? Line { get; }

    /// <summary>The message without the <c>file:line: </c> prefix.</summary>
    public string Detail { get; }

    private static string Format(string file, int? line, string detail) =>
        line is int l ? $"{file}:{l}: {detail}" : $"{file}: {detail}";
}
