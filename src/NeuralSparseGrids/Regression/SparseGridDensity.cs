using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Regression;

/// <summary>
/// Sparse grid density estimation (Hegland et al.; Peherstorfer, Franzelin, Pflüger and Bungartz 2014; SG++'s
/// datadriven learners): f(x) = sum_p alpha_p phi_p(x) on [0, 1]^d with alpha solving the regularised least-squares
/// problem (R + lambda C) alpha = (1/M) sum_i phi(x_i), R the L2 mass matrix of the basis and C the identity or the
/// Laplace matrix (<see cref="GramOperator"/>; <see cref="DensitySystem"/> solves it directly on grids of at most
/// <see cref="SparseGridDensityOptions.DensePointLimit"/> points, else by matrix-free, warm-started conjugate
/// gradients). Several densities (e.g. one per class) on the same grid are fitted together, one column each; the
/// right-hand sides of all of them come from one transposed evaluation.
/// </summary>
/// <remarks>
/// <para><b>Normalisation.</b> Without regularisation f is the L2 projection of the empirical measure onto the grid's
/// space, whose integral is 1 only when the constant function lies in that space (boundary grids); regularisation
/// shrinks it further. The fitted surpluses are therefore divided by the integral of f (exact, from the 1-D integrals
/// of the basis), so that the unclamped f integrates to exactly 1 on every grid type.</para>
/// <para><b>Negative values.</b> An L2 projection oscillates: f can be negative away from the data. <see cref="Evaluate"/>
/// returns max(f, 0), which is what a density must be; the clamped function integrates to 1 plus the (small) mass of the
/// clamped negative part, which <see cref="EvaluateSigned"/> lets callers inspect.</para>
/// <para><b>Choosing lambda.</b> Lambda is relative to the mean diagonal of R. With a given lambda it is used as is;
/// otherwise every candidate is fitted on the training rows and scored by the held-out L2 risk
/// J(f) = integral f^2 - (2 / M_v) sum_v f(x_v) = alpha^T R alpha - 2 mean_v f(x_v), an unbiased estimate of
/// ||f - p||^2 - ||p||^2 for the true density p that needs no positivity (SG++'s cross-validation criterion). The
/// held-out rows are the validation rows when given, else a seeded share of the rows, and the final fit uses all
/// training rows with the lambda of least risk (per density; with validation rows the training rows are the fitting rows,
/// so each density's column is taken from the search); <see cref="LambdaSelection.Accuracy"/> instead takes one
/// lambda for all densities, the one whose densities classify the held-out rows best. A candidate whose unnormalised f has no positive mass
/// (possible for tiny lambda on grids without the constant function, e.g. in 8 dimensions) is never chosen; if no
/// candidate qualifies the largest is used.</para>
/// </remarks>
public sealed class SparseGridDensity
{
    private SparseGridDensity(SparseGrid grid, double[] surpluses, int count, double[] lambdas, double[] rawIntegrals, int iterations)
    {
        Grid = grid; Surpluses = surpluses; Count = count; Lambdas = lambdas; RawIntegrals = rawIntegrals; Iterations = iterations;
    }

    /// <summary>The grid on [0, 1]^d.</summary>
    public SparseGrid Grid { get; }

    /// <summary>Normalised surpluses, (points, densities) row-major.</summary>
    public double[] Surpluses { get; }

    /// <summary>Number of densities (columns).</summary>
    public int Count { get; }

    /// <summary>Chosen relative lambda per density.</summary>
    public double[] Lambdas { get; }

    /// <summary>The integral of each density before normalisation (how much mass the projection kept).</summary>
    public double[] RawIntegrals { get; }

    /// <summary>Conjugate-gradient iterations of the final solve (0 for a direct solve).</summary>
    public int Iterations { get; }

    /// <summary>The lambda search (empty with a fixed lambda): per candidate its CG iterations, seconds and held-out L2 risk per density.</summary>
    public IReadOnlyList<LambdaTrial> Trials { get; private set; } = [];

    /// <summary>Whether the fit solved its systems directly (dense Cholesky) rather than by conjugate gradients (false when loaded).</summary>
    public bool SolvedDirectly { get; private set; }

    /// <summary>Restores a density from stored surpluses (points, count) row-major.</summary>
    public static SparseGridDensity FromSurpluses(SparseGrid grid, double[] surpluses, int count, double[] lambdas, double[] rawIntegrals)
    {
        if (count < 1 || surpluses.Length != grid.PointCount * count)
            throw new ArgumentException($"Surpluses must be (points = {grid.PointCount}, {count}) row-major; got length {surpluses.Length}.");
        return new SparseGridDensity(grid, surpluses, count, lambdas, rawIntegrals, 0);
    }

    /// <summary>Fits one density to the rows of <paramref name="x"/>, (rows, dim) row-major in [0, 1]^d (clamped).</summary>
    public static SparseGridDensity Fit(SparseGrid grid, double[] x, SparseGridDensityOptions? options = null, double[]? validation = null) =>
        FitGroups(grid, x, new int[x.Length / Math.Max(1, grid.Dim)], 1, options, validation, validation is null ? null : new int[validation.Length / grid.Dim]);

    /// <summary>
    /// Fits one density per group: group g uses the rows with <paramref name="groups"/>[i] == g (e.g. the class label).
    /// </summary>
    /// <param name="grid">The grid.</param>
    /// <param name="x">Rows (rows, dim) row-major in [0, 1]^d.</param>
    /// <param name="groups">Group of each row, in [0, <paramref name="count"/>); every group needs at least one row.</param>
    /// <param name="count">Number of groups (densities).</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="validation">Held-out rows to choose lambda (rows_v, dim), or null.</param>
    /// <param name="validationGroups">Group of each held-out row.</param>
    public static SparseGridDensity FitGroups(SparseGrid grid, double[] x, int[] groups, int count, SparseGridDensityOptions? options = null,
        double[]? validation = null, int[]? validationGroups = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(groups);
        options ??= new SparseGridDensityOptions();
        int d = grid.Dim;
        if (x.Length != groups.Length * d) throw new ArgumentException($"x must be (rows = {groups.Length}, dim = {d}) row-major; got length {x.Length}.", nameof(x));
        if (options.Lambda is double fixedLambda && (!(fixedLambda >= 0) || !double.IsFinite(fixedLambda)))
            throw new ArgumentOutOfRangeException(nameof(options), fixedLambda, "Lambda must be finite and >= 0.");
        if (options.Lambda is null && (options.LambdaCandidates.Count == 0 || options.LambdaCandidates.Any(l => !(l >= 0) || !double.IsFinite(l))))
            throw new ArgumentException("LambdaCandidates must hold at least one finite lambda >= 0.", nameof(options));
        CheckGroups(groups, count, "groups");
        foreach (double v in x) if (double.IsNaN(v)) throw new ArgumentException("x holds NaN.", nameof(x));
        var op = new GramOperator(grid);
        using var system = new DensitySystem(op, options);
        // The matrix-free products of CG are many: store the entries once (the direct solve writes them out dense instead).
        if (!system.IsDense) op.Assemble();
        double scale = op.MassDiagonal().Average();
        var integrals = op.BasisIntegrals();
        var rhs = RightHandSides(grid, x, groups, count);

        double[] lambdas;
        var trials = new List<LambdaTrial>();
        // Unnormalised solutions of the search on all training rows, by lambda: the columns are independent systems,
        // so the final fit takes each density's column from the search instead of solving again.
        Dictionary<double, (double[] Alpha, int Iterations)>? searched = null;
        if (options.Lambda is double given) lambdas = Enumerable.Repeat(given, count).ToArray();
        else if (validation is not null)
        {
            if (validationGroups is null || validation.Length != validationGroups.Length * d)
                throw new ArgumentException($"validation must be (rows, {d}) row-major with one group per row.", nameof(validation));
            CheckGroups(validationGroups, count, "validationGroups", requireAll: false);
            searched = [];
            lambdas = ChooseLambdas(system, op, integrals, scale, rhs, groups, count, validation, validationGroups, options, trials, searched);
        }
        else
        {
            var (fitX, fitGroups, heldX, heldGroups) = HoldOut(x, groups, d, count, options);
            lambdas = heldX is null
                ? Enumerable.Repeat(options.LambdaCandidates[options.LambdaCandidates.Count / 2], count).ToArray()
                : ChooseLambdas(system, op, integrals, scale, RightHandSides(grid, fitX, fitGroups, count), fitGroups, count, heldX, heldGroups!, options, trials, null);
        }
        SparseGridDensity result;
        if (searched is not null)
        {
            int points = (int)grid.PointCount;
            var alpha = new double[points * count];
            int iterations = 0;
            for (int g = 0; g < count; g++)
            {
                var (column, its) = searched[lambdas[g]];
                for (int p = 0; p < points; p++) alpha[p * count + g] = column[p * count + g];
                iterations = Math.Max(iterations, its);
            }
            result = Normalise(grid, integrals, alpha, count, lambdas, iterations, strict: true);
        }
        else result = Solve(system, grid, integrals, scale, rhs, count, lambdas);
        result.Trials = trials;
        result.SolvedDirectly = system.IsDense;
        return result;
    }

    /// <summary>max(f, 0) of every density at the rows of <paramref name="x"/>: (rows, count) row-major.</summary>
    public double[] Evaluate(double[] x)
    {
        var values = EvaluateSigned(x);
        for (int i = 0; i < values.Length; i++) if (values[i] < 0) values[i] = 0;
        return values;
    }

    /// <summary>The unclamped f (may be negative) of every density at the rows of <paramref name="x"/>: (rows, count) row-major.</summary>
    public double[] EvaluateSigned(double[] x)
    {
        if (x.Length % Grid.Dim != 0) throw new ArgumentException($"x must be (rows, {Grid.Dim}) row-major; got length {x.Length}.", nameof(x));
        var result = new double[x.Length / Grid.Dim * Count];
        SparseGridEvaluator.Evaluate(Grid, Surpluses, x, result);
        return result;
    }

    // rhs: the right-hand sides of the fitting rows (their groups in groups); searched, when given, collects every
    // candidate's unnormalised solution.
    private static double[] ChooseLambdas(DensitySystem system, GramOperator op, double[] integrals, double scale, double[] rhs, int[] groups, int count,
        double[] validation, int[] validationGroups, SparseGridDensityOptions options, List<LambdaTrial> trials,
        Dictionary<double, (double[] Alpha, int Iterations)>? searched)
    {
        int d = op.Grid.Dim, points = (int)op.Grid.PointCount;
        var best = Enumerable.Repeat(double.PositiveInfinity, count).ToArray();
        var chosen = new double[count];
        var heldCounts = new int[count];
        foreach (int g in validationGroups) heldCounts[g]++;
        var trainingShares = new double[count];
        foreach (int g in groups) trainingShares[g] += 1.0 / groups.Length;
        double bestAccuracy = -1;
        foreach (double lambda in options.LambdaCandidates)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var candidate = Enumerable.Repeat(lambda, count).ToArray();
            var (raw, iterations) = system.Solve(rhs, count, candidate.Select(l => l * scale).ToArray());
            searched?.TryAdd(lambda, (raw, iterations));
            var fit = Normalise(op.Grid, integrals, (double[])raw.Clone(), count, candidate, iterations, strict: false);
            var ra = system.ApplyMass(fit.Surpluses, count);
            var values = fit.EvaluateSigned(validation);
            var risk = new double[count];
            for (int p = 0; p < points; p++)
                for (int g = 0; g < count; g++) risk[g] += fit.Surpluses[p * count + g] * ra[p * count + g];
            for (int i = 0; i < validationGroups.Length; i++)
            {
                int g = validationGroups[i];
                risk[g] -= 2 * values[i * count + g] / heldCounts[g];
            }
            // A candidate whose unnormalised f has no positive mass cannot be made a density: never chosen.
            for (int g = 0; g < count; g++)
                if (!(fit.RawIntegrals[g] > 0)) risk[g] = double.PositiveInfinity;
            double? accuracy = null;
            if (options.Selection == LambdaSelection.Accuracy)
            {
                // One lambda for all densities: validation accuracy of argmax_g P(g) f_g, then the summed risk.
                accuracy = HeldOutAccuracy(values, validationGroups, trainingShares, count);
                double total = risk.Sum();
                if (!double.IsPositiveInfinity(total) && (accuracy > bestAccuracy || (accuracy == bestAccuracy && total < best[0])))
                {
                    bestAccuracy = accuracy.Value;
                    Array.Fill(best, total);
                    Array.Fill(chosen, lambda);
                }
            }
            else
                for (int g = 0; g < count; g++)
                    if (heldCounts[g] > 0 && risk[g] < best[g]) { best[g] = risk[g]; chosen[g] = lambda; }
            trials.Add(new LambdaTrial(lambda, fit.Iterations, clock.Elapsed.TotalSeconds, risk, accuracy));
        }
        for (int g = 0; g < count; g++)
            if ((heldCounts[g] == 0 && options.Selection == LambdaSelection.Risk) || double.IsPositiveInfinity(best[g])) chosen[g] = options.LambdaCandidates.Max();
        return chosen;
    }

    // Share of held-out rows whose group is argmax_g shares[g] * f_g (unclamped values (rows, count) row-major).
    private static double HeldOutAccuracy(double[] values, int[] groups, double[] shares, int count)
    {
        int correct = 0;
        for (int i = 0; i < groups.Length; i++)
        {
            int best = 0;
            for (int g = 1; g < count; g++)
                if (shares[g] * values[i * count + g] > shares[best] * values[i * count + best]) best = g;
            if (best == groups[i]) correct++;
        }
        return correct / (double)Math.Max(1, groups.Length);
    }

    // b[:, g] = (1/M_g) sum_{i in g} phi(x_i), (points, count) row-major: one transposed evaluation for all groups.
    private static double[] RightHandSides(SparseGrid grid, double[] x, int[] groups, int count)
    {
        int rows = groups.Length;
        var sizes = new int[count];
        foreach (int g in groups) sizes[g]++;
        var weights = new double[rows * count];
        for (int i = 0; i < rows; i++) weights[i * count + groups[i]] = 1.0 / sizes[groups[i]];
        var rhs = new double[grid.PointCount * count];
        SparseGridEvaluator.EvaluateTranspose(grid, weights, x, rhs);
        return rhs;
    }

    // Solves (R + lambda_g scale C) alpha_g = rhs_g for all groups, then normalises.
    private static SparseGridDensity Solve(DensitySystem system, SparseGrid grid, double[] integrals, double scale, double[] rhs, int count, double[] lambdas)
    {
        var (alpha, iterations) = system.Solve(rhs, count, lambdas.Select(l => l * scale).ToArray());
        return Normalise(grid, integrals, alpha, count, lambdas, iterations, strict: true);
    }

    // Divides each column of the unnormalised alpha (in place) by its integral. strict: a column without positive mass
    // is an error (a final fit); otherwise it stays unscaled (a search candidate, never chosen: see ChooseLambdas).
    private static SparseGridDensity Normalise(SparseGrid grid, double[] integrals, double[] alpha, int count, double[] lambdas, int iterations, bool strict)
    {
        int points = (int)grid.PointCount;
        var raw = new double[count];
        for (int p = 0; p < points; p++)
            for (int g = 0; g < count; g++) raw[g] += alpha[p * count + g] * integrals[p];
        if (strict)
            for (int g = 0; g < count; g++)
                if (!(raw[g] > 0)) throw new InvalidOperationException($"Density {g} integrates to {raw[g]:G3} before normalisation; the data lie where every basis function of the grid vanishes (e.g. on the boundary of a grid without boundary points), or lambda {lambdas[g]:G2} is too small for this grid and data.");
        for (int p = 0; p < points; p++)
            for (int g = 0; g < count; g++) if (raw[g] > 0) alpha[p * count + g] /= raw[g];
        return new SparseGridDensity(grid, alpha, count, lambdas, raw, iterations);
    }

    // A seeded, per-group share of the rows held out to choose lambda; null when no group has two rows.
    private static (double[] FitX, int[] FitGroups, double[]? HeldX, int[]? HeldGroups) HoldOut(double[] x, int[] groups, int d, int count, SparseGridDensityOptions options)
    {
        var random = new Random(options.Seed);
        var held = new bool[groups.Length];
        for (int g = 0; g < count; g++)
        {
            var members = Enumerable.Range(0, groups.Length).Where(i => groups[i] == g).ToArray();
            random.Shuffle(members);
            int take = Math.Min(members.Length - 1, (int)Math.Round(options.HoldOutFraction * members.Length));
            for (int t = 0; t < take; t++) held[members[t]] = true;
        }
        if (!held.Any(h => h)) return (x, groups, null, null);
        var fitRows = Enumerable.Range(0, groups.Length).Where(i => !held[i]).ToArray();
        var heldRows = Enumerable.Range(0, groups.Length).Where(i => held[i]).ToArray();
        double[] Rows(int[] rows) => rows.SelectMany(i => x.AsSpan(i * d, d).ToArray()).ToArray();
        return (Rows(fitRows), fitRows.Select(i => groups[i]).ToArray(), Rows(heldRows), heldRows.Select(i => groups[i]).ToArray());
    }

    private static void CheckGroups(int[] groups, int count, string name, bool requireAll = true)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one density is needed.");
        var seen = new bool[count];
        for (int i = 0; i < groups.Length; i++)
        {
            if (groups[i] < 0 || groups[i] >= count) throw new ArgumentException($"{name}[{i}] = {groups[i]} is outside [0, {count}).", name);
            seen[groups[i]] = true;
        }
        if (requireAll && seen.Any(s => !s)) throw new ArgumentException($"Group {Array.IndexOf(seen, false)} has no rows; every density needs data.", name);
    }
}

/// <summary>One candidate of the lambda search of <see cref="SparseGridDensity"/>.</summary>
/// <param name="Lambda">Relative lambda.</param>
/// <param name="Iterations">CG iterations of its solve.</param>
/// <param name="Seconds">Seconds of its solve and scoring.</param>
/// <param name="Risks">Held-out L2 risk per density (lower is better).</param>
/// <param name="Accuracy">Held-out classification accuracy of the densities (with <see cref="LambdaSelection.Accuracy"/>), else null.</param>
public sealed record LambdaTrial(double Lambda, int Iterations, double Seconds, double[] Risks, double? Accuracy = null);
