using NeuralSparseGrids.Data;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>One configuration a tuned method tries: its label (as `nsg tune` prints it) and its model and training settings.</summary>
/// <param name="Label">"defaults" or the drawn settings ("grid=d3 n5, encoder=64,64, lr=0.0021, rescale=tanh").</param>
/// <param name="Model">Model settings (Inputs, Outputs and Task are filled in from the data).</param>
/// <param name="Training">Training settings (the seed is replaced by the split's).</param>
public sealed record TuneCandidate(string Label, NsgModelConfig Model, TrainingOptions Training);

/// <summary>A tried candidate: its label and validation score (NaN with the error when it failed).</summary>
/// <param name="Label">Candidate label.</param>
/// <param name="Validation">Mean validation accuracy (classification) or RMSE in target units (regression) over the selection splits.</param>
/// <param name="Error">Why the candidate failed (diverged, grid too large), or null.</param>
/// <param name="Scores">The validation score on each selection split (null when it failed).</param>
public sealed record TuneTrial(string Label, double Validation, string? Error = null, double[]? Scores = null);

/// <summary>
/// The NSG tuned on each split (method `nsg-tuned`): every candidate of the search (those of `nsg tune`, built by
/// <c>TuneSpace.Candidates</c>, the defaults first) is trained and scored on <see cref="SelectionSplits"/> of the split's
/// training and validation rows: repeat 0 is the split itself, further repeats deal the same rows anew (their number from
/// the validation part's size, <see cref="SelectionSplits.RepeatsFor"/>). A candidate's score is its mean validation score
/// over the repeats; the best mean wins (ties: the earlier candidate), and it replaces the defaults only when its mean
/// gain over them exceeds the gain's standard error over the repeats (with one repeat: any strict gain), so noise on a
/// small validation part does not pick a worse configuration. The test part is never looked at: the comparison scores
/// the winner's repeat-0 model on it afterwards. With <see cref="TrialEpochs"/> the candidates train at most that many
/// epochs and the winner is then retrained on the split with its full settings (same seed).
/// </summary>
/// <param name="candidates">Candidates in search order (at least one; the first is the defaults).</param>
/// <param name="trialEpochs">Epoch cap of the trials (null: every trial trains fully and the winner is kept as trained).</param>
/// <param name="repeats">Selection splits per candidate (null: <see cref="SelectionSplits.RepeatsFor"/> of the validation rows).</param>
public sealed class TunedNsgMethod(IReadOnlyList<TuneCandidate> candidates, int? trialEpochs = null, int? repeats = null) : IComparisonMethod
{
    /// <summary>The method's name in reports.</summary>
    public const string MethodName = "nsg-tuned";

    /// <inheritdoc />
    public string Name => MethodName;

    /// <summary>The candidates, in search order.</summary>
    public IReadOnlyList<TuneCandidate> Candidates => candidates;

    /// <summary>Epoch cap of the trials (null: none).</summary>
    public int? TrialEpochs => trialEpochs;

    /// <inheritdoc />
    public string? NotApplicable(ComparisonProblem problem) =>
        candidates.Select(c => Method(c).NotApplicable(problem)).FirstOrDefault(r => r != null);

    /// <inheritdoc />
    public IFittedMethod Fit(DatasetSplit split, int seed)
    {
        if (candidates.Count == 0) throw new InvalidOperationException("nsg-tuned has no candidates.");
        if (split.Validation.Rows == 0) throw new InvalidOperationException("nsg-tuned selects on the validation part, but the split has none: give a split with a validation fraction.");
        // Only training and validation rows are handed to the trials: the test part cannot influence the choice.
        var selection = SelectionSplits.Make(split, seed, repeats ?? SelectionSplits.RepeatsFor(split.Validation.Rows));
        bool higherIsBetter = split.Train.Task == DatasetTask.Classification;
        var trials = new List<TuneTrial>(candidates.Count);
        IFittedMethod? defaults = null, best = null;
        int bestIndex = -1;
        try
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                var (trial, first) = Trial(candidates[i], selection, seed);
                trials.Add(trial);
                if (first is null) continue;
                if (i == 0) defaults = first;
                else if (bestIndex < 0 || IsBetter(trial.Validation, trials[bestIndex].Validation, higherIsBetter))
                {
                    best?.Dispose();
                    (best, bestIndex) = (first, i);
                }
                else first.Dispose();
            }
            int chosen = Choose(trials, bestIndex, higherIsBetter);
            if (chosen < 0) throw new InvalidOperationException($"every nsg-tuned candidate failed; the first: {trials[0].Error}");
            var winner = chosen == 0 ? defaults! : best!;
            if (chosen == 0) defaults = null; else best = null;
            if (trialEpochs is int cap && cap < candidates[chosen].Training.Epochs)
            {
                winner.Dispose();
                winner = Method(candidates[chosen]).Fit(selection[0], seed);
            }
            return new TunedFit(winner, candidates[chosen], trials, chosen, selection.Count);
        }
        finally
        {
            best?.Dispose();
            defaults?.Dispose();
        }
    }

    // One candidate on every selection split: its mean validation score (NaN with the error when a fit failed) and
    // its model of repeat 0 (the split itself), which becomes the result if the candidate wins.
    private (TuneTrial Trial, IFittedMethod? First) Trial(TuneCandidate candidate, IReadOnlyList<DatasetSplit> selection, int seed)
    {
        var scores = new double[selection.Count];
        IFittedMethod? first = null;
        try
        {
            for (int r = 0; r < selection.Count; r++)
            {
                var fitted = Method(candidate, trialEpochs).Fit(selection[r], SelectionSplits.Seed(seed, r));
                scores[r] = ComparisonRunner.Score(fitted.Predict(selection[r].Validation), selection[r].Validation);
                if (r == 0) first = fitted; else fitted.Dispose();
            }
            var result = (new TuneTrial(candidate.Label, scores.Average(), Scores: scores), first);
            first = null;
            return result;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return (new TuneTrial(candidate.Label, double.NaN, e.Message), null);
        }
        finally { first?.Dispose(); }
    }

    /// <summary>
    /// The chosen candidate's index: <paramref name="bestIndex"/> (the best mean among the drawn candidates, -1 for none) when
    /// it beats the defaults (candidate 0) by more than the standard error of its per-repeat gains (one repeat: any strict
    /// gain); otherwise the defaults, unless they failed. -1 when every candidate failed.
    /// </summary>
    public static int Choose(IReadOnlyList<TuneTrial> trials, int bestIndex, bool higherIsBetter)
    {
        var defaults = trials[0];
        if (bestIndex < 1) return double.IsNaN(defaults.Validation) ? -1 : 0;
        if (double.IsNaN(defaults.Validation)) return bestIndex;
        var best = trials[bestIndex];
        if (!IsBetter(best.Validation, defaults.Validation, higherIsBetter)) return 0;
        var gains = best.Scores!.Zip(defaults.Scores!, (b, d) => higherIsBetter ? b - d : d - b).ToArray();
        if (gains.Length < 2) return bestIndex;
        double mean = gains.Average();
        double sd = Math.Sqrt(gains.Sum(g => (g - mean) * (g - mean)) / (gains.Length - 1));
        return mean > sd / Math.Sqrt(gains.Length) ? bestIndex : 0;
    }

    /// <summary>True when <paramref name="score"/> beats <paramref name="incumbent"/> (strictly; NaN never wins).</summary>
    public static bool IsBetter(double score, double incumbent, bool higherIsBetter) =>
        !double.IsNaN(score) && (double.IsNaN(incumbent) || (higherIsBetter ? score > incumbent : score < incumbent));

    private static NsgMethod Method(TuneCandidate c, int? epochCap = null) =>
        new(MethodName, c.Model with { Head = HeadKind.SparseGrid },
            epochCap is int cap && cap < c.Training.Epochs ? c.Training with { Epochs = cap } : c.Training);

    /// <summary>The winner of one split with the trials that chose it.</summary>
    /// <param name="winner">The winning candidate, fitted.</param>
    /// <param name="chosen">The winning candidate.</param>
    /// <param name="trials">Every candidate's validation score, in search order.</param>
    /// <param name="chosenIndex">The winner's position in the candidates.</param>
    /// <param name="repeats">Selection splits each candidate was scored on.</param>
    public sealed class TunedFit(IFittedMethod winner, TuneCandidate chosen, IReadOnlyList<TuneTrial> trials, int chosenIndex, int repeats = 1) : IFittedMethod
    {
        /// <summary>The winning candidate.</summary>
        public TuneCandidate Chosen => chosen;

        /// <summary>Its position in the candidates (0: the defaults).</summary>
        public int ChosenIndex => chosenIndex;

        /// <summary>Every candidate's validation score, in search order.</summary>
        public IReadOnlyList<TuneTrial> Trials => trials;

        /// <summary>Selection splits each candidate was scored on.</summary>
        public int Repeats => repeats;

        /// <inheritdoc />
        public string Detail => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Chosen.Label} (validation {Trials[ChosenIndex].Validation:G4}{(repeats > 1 ? $" mean of {repeats} splits" : "")}, best of {Trials.Count} candidates" +
            $"{(Trials.FirstOrDefault(t => t.Error != null) is { } failed ? $", {Trials.Count(t => t.Error != null)} failed, first {failed.Label}: {Shorten(failed.Error!)}" : "")}); {winner.Detail}");

        // A failure's first line, cut to a length that keeps a benchmark log line readable.
        private static string Shorten(string error)
        {
            string line = error.Split('\n')[0].Trim();
            return line.Length <= 120 ? line : line[..117] + "...";
        }

        /// <inheritdoc />
        public double[] Predict(Dataset data) => winner.Predict(data);

        /// <inheritdoc />
        public void Dispose() => winner.Dispose();
    }
}
