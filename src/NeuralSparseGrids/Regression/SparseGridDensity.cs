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
    private SparseGridDensity(SparseGrid grid, double[] surpluses, int count, double[] lambdas, double[] rawIntegrals, int iterations,
        IReadOnlyList<DensityBox>? boxes)
    {
        Grid = grid; Surpluses = surpluses; Count = count; Lambdas = lambdas; RawIntegrals = rawIntegrals; Iterations = iterations; Boxes = boxes;
    }

    /// <summary>The grid on [0, 1]^d.</summary>
    public SparseGrid Grid { get; }

    /// <summary>
    /// Per density the box its grid is mapped onto (<see cref="DensityBox"/>; <see cref="DensityBoxRule.PerGroup"/>), or
    /// null when every density lives on the whole unit cube (<see cref="DensityBoxRule.Global"/>).
    /// </summary>
    public IReadOnlyList<DensityBox>? Boxes { get; }

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

    /// <summary>Restores a density from stored surpluses (points, count) row-major and, when per group, its boxes.</summary>
    public static SparseGridDensity FromSurpluses(SparseGrid grid, double[] surpluses, int count, double[] lambdas, double[] rawIntegrals,
        IReadOnlyList<DensityBox>? boxes = null)
    {
        if (count < 1 || surpluses.Length != grid.PointCount * count)
            throw new ArgumentException($"Surpluses must be (points = {grid.PointCount}, {count}) row-major; got length {surpluses.Length}.");
        if (boxes is not null && (boxes.Count != count || boxes.Any(b => b.Dim != grid.Dim)))
            throw new ArgumentException($"Boxes must be one per density ({count}) of dimension {grid.Dim}; got {boxes.Count}.");
        return new SparseGridDensity(grid, surpluses, count, lambdas, rawIntegrals, 0, boxes);
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
        if (!(options.BoxMargin >= 0) || !double.IsFinite(options.BoxMargin))
            throw new ArgumentOutOfRangeException(nameof(options), options.BoxMargin, "BoxMargin must be finite and >= 0.");
        var boxes = options.Boxes == DensityBoxRule.PerGroup ? GroupBoxes(x, groups, d, count, options.BoxMargin) : null;
        var op = new GramOperator(grid);
        using var system = new DensitySystem(op, options);
        // The matrix-free products of CG are many: store the entries once (the direct solve writes them out dense instead).
        if (!system.IsDense) op.Assemble();
        double scale = op.MassDiagonal().Average();
        var integrals = op.BasisIntegrals();
        // The fit sees every row in its own group's unit-cube coordinates (evaluation maps back: EvaluateSigned).
        var rhs = RightHandSides(grid, MapToGroupBoxes(x, groups, d, boxes), groups, count);

        var problem = new Problem(system, op, integrals, scale, count, boxes);
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
            lambdas = ChooseLambdas(problem, rhs, groups, validation, validationGroups, options, trials, searched);
        }
        else
        {
            var (fitX, fitGroups, heldX, heldGroups) = HoldOut(x, groups, d, count, options);
            lambdas = heldX is null
                ? Enumerable.Repeat(options.LambdaCandidates[options.LambdaCandidates.Count / 2], count).ToArray()
                : ChooseLambdas(problem, RightHandSides(grid, MapToGroupBoxes(fitX, fitGroups, d, boxes), fitGroups, count), fitGroups, heldX, heldGroups!, options, trials, null);
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
            result = Normalise(problem, alpha, lambdas, iterations, strict: true);
        }
        else result = Solve(problem, rhs, lambdas);
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

    /// <summary>
    /// The unclamped f (may be negative) of every density at the rows of <paramref name="x"/>: (rows, count) row-major.
    /// With per-group <see cref="Boxes"/>: f_g(T_g(x)) / volume_g inside group g's box and 0 outside (a density in x's
    /// coordinates, see <see cref="DensityBox"/>).
    /// </summary>
    public double[] EvaluateSigned(double[] x)
    {
        int d = Grid.Dim;
        if (x.Length % d != 0) throw new ArgumentException($"x must be (rows, {d}) row-major; got length {x.Length}.", nameof(x));
        int rows = x.Length / d;
        var result = new double[rows * Count];
        if (Boxes is null)
        {
            SparseGridEvaluator.Evaluate(Grid, Surpluses, x, result);
            return result;
        }
        // One column at a time, each on its own box's coordinates; rows outside a box are evaluated at a clamped point
        // (the evaluator's domain) and then set to 0.
        int points = (int)Grid.PointCount;
        var mapped = new double[x.Length];
        var column = new double[points];
        var values = new double[rows];
        for (int g = 0; g < Count; g++)
        {
            var box = Boxes[g];
            var inside = box.Map(x, mapped);
            for (int i = 0; i < mapped.Length; i++) mapped[i] = Math.Clamp(mapped[i], 0, 1);
            for (int p = 0; p < points; p++) column[p] = Surpluses[p * Count + g];
            SparseGridEvaluator.Evaluate(Grid, column, mapped, values);
            for (int i = 0; i < rows; i++) result[i * Count + g] = inside[i] ? values[i] / box.Volume : 0;
        }
        return result;
    }

    // The per-group boxes of the rows (DensityBoxRule.PerGroup).
    private static DensityBox[] GroupBoxes(double[] x, int[] groups, int d, int count, double margin)
    {
        var members = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < groups.Length; i++) members[groups[i]].Add(i);
        return members.Select(rows => DensityBox.Enclosing(x, d, rows, margin)).ToArray();
    }

    // Every row mapped into its group's box coordinates (x itself without boxes).
    private static double[] MapToGroupBoxes(double[] x, int[] groups, int d, IReadOnlyList<DensityBox>? boxes)
    {
        if (boxes is null) return x;
        var mapped = new double[x.Length];
        for (int i = 0; i < groups.Length; i++)
        {
            var row = mapped.AsSpan(i * d, d);
            boxes[groups[i]].Map(x.AsSpan(i * d, d), row);
            // Rows of a group lie in its box by construction; the clamp only absorbs rounding at the faces.
            for (int j = 0; j < d; j++) row[j] = Math.Clamp(row[j], 0, 1);
        }
        return mapped;
    }

    // What the lambda search and the final solve share: the system on the unit cube and the groups' boxes.
    private sealed record Problem(DensitySystem System, GramOperator Op, double[] Integrals, double Scale, int Count, IReadOnlyList<DensityBox>? Boxes)
    {
        public SparseGrid Grid => Op.Grid;

        // 1 / volume of group g's box: integral (f(T x) / volume)^2 dx = integral f^2 du / volume.
        public double InverseVolume(int g) => Boxes is null ? 1 : 1 / Boxes[g].Volume;
    }

    // rhs: the right-hand sides of the fitting rows (their groups in groups); searched, when given, collects every
    // candidate's unnormalised solution.
    private static double[] ChooseLambdas(Problem problem, double[] rhs, int[] groups,
        double[] validation, int[] validationGroups, SparseGridDensityOptions options, List<LambdaTrial> trials,
        Dictionary<double, (double[] Alpha, int Iterations)>? searched)
    {
        int count = problem.Count, points = (int)problem.Grid.PointCount;
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
            var (raw, iterations) = problem.System.Solve(rhs, count, candidate.Select(l => l * problem.Scale).ToArray());
            searched?.TryAdd(lambda, (raw, iterations));
            var fit = Normalise(problem, (double[])raw.Clone(), candidate, iterations, strict: false);
            var ra = problem.System.ApplyMass(fit.Surpluses, count);
            var values = fit.EvaluateSigned(validation);
            var risk = new double[count];
            for (int p = 0; p < points; p++)
                for (int g = 0; g < count; g++) risk[g] += fit.Surpluses[p * count + g] * ra[p * count + g] * problem.InverseVolume(g);
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
    private static SparseGridDensity Solve(Problem problem, double[] rhs, double[] lambdas)
    {
        var (alpha, iterations) = problem.System.Solve(rhs, problem.Count, lambdas.Select(l => l * problem.Scale).ToArray());
        return Normalise(problem, alpha, lambdas, iterations, strict: true);
    }

    // Divides each column of the unnormalised alpha (in place) by its integral. strict: a column without positive mass
    // is an error (a final fit); otherwise it stays unscaled (a search candidate, never chosen: see ChooseLambdas).
    private static SparseGridDensity Normalise(Problem problem, double[] alpha, double[] lambdas, int iterations, bool strict)
    {
        var (grid, integrals, count) = (problem.Grid, problem.Integrals, problem.Count);
        int points = (int)grid.PointCount;
        var raw = new double[count];
        for (int p = 0; p < points; p++)
            for (int g = 0; g < count; g++) raw[g] += alpha[p * count + g] * integrals[p];
        if (strict)
            for (int g = 0; g < count; g++)
                if (!(raw[g] > 0)) throw new InvalidOperationException($"Density {g} integrates to {raw[g]:G3} before normalisation; the data lie where every basis function of the grid vanishes (e.g. on the boundary of a grid without boundary points), or lambda {lambdas[g]:G2} is too small for this grid and data.");
        for (int p = 0; p < points; p++)
            for (int g = 0; g < count; g++) if (raw[g] > 0) alpha[p * count + g] /= raw[g];
        return new SparseGridDensity(grid, alpha, count, lambdas, raw, iterations, problem.Boxes);
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
