namespace NeuralSparseGrids.Plotting;

/// <summary>Argument checks shared by the plots: lengths and finiteness, with messages naming the offending argument.</summary>
internal static class PlotInputs
{
    public static void NotEmpty<T>(T[]? values, string name)
    {
        if (values is null) throw new ArgumentNullException(name);
        if (values.Length == 0) throw new ArgumentException($"{name} is empty; there is nothing to plot.", name);
    }

    public static void SameLength<TA, TB>(TA[] a, string nameA, TB[] b, string nameB)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"{nameA} has {a.Length} values but {nameB} has {b.Length}; they must have the same length.", nameB);
    }

    /// <summary>Number of rows of a row-major (n, d) array, after checking the length is a multiple of d.</summary>
    public static int Rows<T>(T[] values, int d, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (d < 1) throw new ArgumentOutOfRangeException(nameof(d), d, "The dimension must be at least 1.");
        if (values.Length % d != 0)
            throw new ArgumentException($"{name} must be row-major (n, {d}); its length {values.Length} is not a multiple of {d}.", name);
        return values.Length / d;
    }

    public static void Finite(double[] values, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) throw new ArgumentException($"{name}[{i}] is {values[i]}; all values must be finite.", name);
    }

    public static void Finite(float[] values, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new ArgumentException($"{name}[{i}] is {values[i]}; all values must be finite.", name);
    }
}
