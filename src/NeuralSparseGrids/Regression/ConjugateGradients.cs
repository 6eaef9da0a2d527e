namespace NeuralSparseGrids.Regression;

/// <summary>
/// Conjugate gradients for A X = B with a symmetric positive definite A given only as a product, solving all
/// columns of X, (n, columns) row-major, at once: one product per iteration serves every column, each column keeps
/// its own step sizes and stops on its own.
/// </summary>
internal static class ConjugateGradients
{
    /// <summary>Result: iterations done and the final relative residual per column.</summary>
    public readonly record struct Report(int Iterations, double[] RelativeResiduals);

    /// <param name="apply">Writes A * v (n, columns) into the second argument.</param>
    /// <param name="b">Right-hand side, (n, columns).</param>
    /// <param name="x">Start value in, solution out, (n, columns).</param>
    /// <param name="columns">Number of columns.</param>
    /// <param name="maxIterations">Iteration limit.</param>
    /// <param name="tolerance">Relative residual ||r|| / ||b|| at which a column stops.</param>
    public static Report Solve(Action<double[], double[]> apply, double[] b, double[] x, int columns, int maxIterations, double tolerance)
    {
        int n = b.Length / columns;
        var r = new double[b.Length];
        var p = new double[b.Length];
        var ap = new double[b.Length];
        apply(x, ap);
        for (int i = 0; i < b.Length; i++) r[i] = b[i] - ap[i];
        Array.Copy(r, p, r.Length);
        var rr = ColumnDots(r, r, columns);
        var bNorm = ColumnDots(b, b, columns).Select(Math.Sqrt).ToArray();
        var active = new bool[columns];
        for (int c = 0; c < columns; c++) active[c] = Math.Sqrt(rr[c]) > tolerance * bNorm[c];
        int it = 0;
        while (it < maxIterations && active.Any(a => a))
        {
            apply(p, ap);
            it++;
            var pap = ColumnDots(p, ap, columns);
            var step = new double[columns];
            for (int c = 0; c < columns; c++) step[c] = active[c] && pap[c] > 0 ? rr[c] / pap[c] : 0;
            for (int i = 0; i < n; i++)
                for (int c = 0; c < columns; c++)
                {
                    int k = i * columns + c;
                    x[k] += step[c] * p[k];
                    r[k] -= step[c] * ap[k];
                }
            var rrNew = ColumnDots(r, r, columns);
            var beta = new double[columns];
            for (int c = 0; c < columns; c++)
            {
                if (!active[c]) continue;
                if (pap[c] <= 0 || Math.Sqrt(rrNew[c]) <= tolerance * bNorm[c]) active[c] = false;
                beta[c] = rr[c] > 0 ? rrNew[c] / rr[c] : 0;
                rr[c] = rrNew[c];
            }
            for (int i = 0; i < n; i++)
                for (int c = 0; c < columns; c++)
                {
                    int k = i * columns + c;
                    p[k] = active[c] ? r[k] + beta[c] * p[k] : 0;
                }
        }
        return new Report(it, rr.Select((v, c) => bNorm[c] > 0 ? Math.Sqrt(v) / bNorm[c] : 0).ToArray());
    }

    private static double[] ColumnDots(double[] a, double[] b, int columns)
    {
        var d = new double[columns];
        for (int i = 0; i < a.Length; i++) d[i % columns] += a[i] * b[i];
        return d;
    }
}
