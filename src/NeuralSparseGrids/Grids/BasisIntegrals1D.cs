namespace NeuralSparseGrids.Grids;

/// <summary>
/// Exact one-dimensional integrals of the <see cref="Basis1D"/> functions on [0, 1]: the integral of one function, the
/// L2 product of two (the mass matrix entries) and the product of their derivatives (the stiffness, Laplace entries).
/// </summary>
/// <remarks>
/// Every function of every <see cref="GridType"/> is continuous and linear on the cells of width 2^-max(l, 1) of its own
/// level l (level-0 and the global level 1 of the extended boundary basis included). On the cells of the finer of two
/// levels both functions are linear, their product quadratic, so Simpson's rule on those cells is exact and the
/// derivatives are the constant difference quotients. Only cells inside both supports are visited; for the
/// hierarchical bases these are at most two cells, so each integral costs O(1).
/// </remarks>
public static class BasisIntegrals1D
{
    /// <summary>The support [a, b] of function (level, k) (local position k, see <see cref="Basis1D"/>).</summary>
    public static (double A, double B) Support(GridType type, int level, int k)
    {
        if (Basis1D.IsGlobalLevel(type, level) || (type == GridType.ModifiedLinear && level == 1)) return (0, 1);
        double width = 1.0 / (1L << (level - 1));
        return (k * width, (k + 1) * width);
    }

    /// <summary>Integral over [0, 1] of function (level, k).</summary>
    public static double Integral(GridType type, int level, int k) => Integrate(type, level, k, 0, -1, derivatives: false);

    /// <summary>L2 product: the integral over [0, 1] of phi_(l1,k1) * phi_(l2,k2).</summary>
    public static double Mass(GridType type, int l1, int k1, int l2, int k2) => Integrate(type, l1, k1, l2, k2, derivatives: false);

    /// <summary>The integral over [0, 1] of phi'_(l1,k1) * phi'_(l2,k2) (one-dimensional Laplace/stiffness entry).</summary>
    public static double Stiffness(GridType type, int l1, int k1, int l2, int k2) => Integrate(type, l1, k1, l2, k2, derivatives: true);

    // k2 = -1 stands for the constant function 1 (used by Integral).
    private static double Integrate(GridType type, int l1, int k1, int l2, int k2, bool derivatives)
    {
        var (a1, b1) = Support(type, l1, k1);
        var (a2, b2) = k2 < 0 ? (0.0, 1.0) : Support(type, l2, k2);
        double a = Math.Max(a1, a2), b = Math.Min(b1, b2);
        if (b <= a) return 0;
        int fine = Math.Max(Math.Max(l1, k2 < 0 ? 1 : l2), 1);
        double h = 1.0 / (1L << fine);
        long first = (long)Math.Round(a / h), last = (long)Math.Round(b / h);
        double sum = 0;
        for (long c = first; c < last; c++)
        {
            double x0 = c * h, x1 = x0 + h, xm = x0 + 0.5 * h;
            double f0 = Basis1D.Value(type, l1, k1, x0), f1 = Basis1D.Value(type, l1, k1, x1);
            double g0 = k2 < 0 ? 1 : Basis1D.Value(type, l2, k2, x0), g1 = k2 < 0 ? 1 : Basis1D.Value(type, l2, k2, x1);
            if (derivatives) sum += (f1 - f0) * (g1 - g0) / h;
            else
            {
                double fm = 0.5 * (f0 + f1), gm = 0.5 * (g0 + g1);
                sum += h / 6 * (f0 * g0 + 4 * fm * gm + f1 * g1);
            }
        }
        return sum;
    }
}
