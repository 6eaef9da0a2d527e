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
/// <param name="Validation">Validation accuracy (classification) or RMSE in target units (regression).</param>
/// <param name="Error">Why the candidate failed (diverged, grid too large), or null.</param>
public sealed record TuneTrial(string Label, double Validation, string? Error = null);

/// <summary>
/// The NSG tuned on each split (method `nsg-tuned`): every candidate of the search (those of `nsg tune`, built by
/// <c>TuneSpace.Candidates</c>, the defaults first) is trained on the split's training part and scored on its
/// validation part; the best validation score wins (ties: the earlier candidate, so the defaults win a tie). The test
/// part is never looked at: the comparison scores the winner on it afterwards. With <see cref="TrialEpochs"/> the
/// candidates train at most that many epochs and the winner is then retrained with its full settings (same seed).
/// </summary>
/// <param name="candidates">Candidates in search order (at least one).</param>
/// <param name="trialEpochs">Epoch cap of the trials (null: every trial trains fully and the winner is kept as trained).</param>
public sealed class TunedNsgMethod(IReadOnlyList<TuneCandidate> candidates, int? trialEpochs = null) : IComparisonMethod
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
        var selection = split with { Test = split.Validation };
        bool higherIsBetter = split.Train.Task == DatasetTask.Classification;
        var trials = new List<TuneTrial>(candidates.Count);
        IFittedMethod? best = null;
        int bestIndex = -1;
        try
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                IFittedMethod fitted;
                try { fitted = Method(candidates[i], trialEpochs).Fit(selection, seed); }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    trials.Add(new TuneTrial(candidates[i].Label, double.NaN, e.Message));
                    continue;
                }
                double score = ComparisonRunner.Score(fitted.Predict(split.Validation), split.Validation);
                trials.Add(new TuneTrial(candidates[i].Label, score));
                if (bestIndex < 0 || IsBetter(score, trials[bestIndex].Validation, higherIsBetter))
                {
                    best?.Dispose();
                    (best, bestIndex) = (fitted, i);
                }
                else fitted.Dispose();
            }
            if (best is null) throw new InvalidOperationException($"every nsg-tuned candidate failed; the first: {trials[0].Error}");
            if (trialEpochs is int cap && cap < candidates[bestIndex].Training.Epochs)
            {
                best.Dispose();
                best = null;
                best = Method(candidates[bestIndex]).Fit(selection, seed);
            }
            var result = new TunedFit(best, candidates[bestIndex], trials, bestIndex);
            best = null;
            return result;
        }
        finally
        {
            best?.Dispose();
        }
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
    public sealed class TunedFit(IFittedMethod winner, TuneCandidate chosen, IReadOnlyList<TuneTrial> trials, int chosenIndex) : IFittedMethod
    {
        /// <summary>The winning candidate.</summary>
        public TuneCandidate Chosen => chosen;

        /// <summary>Its position in the candidates (0: the defaults).</summary>
        public int ChosenIndex => chosenIndex;

        /// <summary>Every candidate's validation score, in search order.</summary>
        public IReadOnlyList<TuneTrial> Trials => trials;

        /// <inheritdoc />
        public string Detail => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Chosen.Label} (validation {Trials[ChosenIndex].Validation:G4}, best of {Trials.Count} candidates" +
            $"{(Trials.Any(t => t.Error != null) ? $", {Trials.Count(t => t.Error != null)} failed" : "")}); {winner.Detail}");

        /// <inheritdoc />
        public double[] Predict(Dataset data) => winner.Predict(data);

        /// <inheritdoc />
        public void Dispose() => winner.Dispose();
    }
}
