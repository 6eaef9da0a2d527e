using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>Predictions for raw (unscaled) inputs: values in the target's units, or class probabilities and labels.</summary>
public sealed record Prediction
{
    /// <summary>Regression values (rows, outputs) row-major in target units; empty for classification.</summary>
    public double[] Values { get; init; } = [];

    /// <summary>Class probabilities (rows, classes) row-major; empty for regression.</summary>
    public double[] Probabilities { get; init; } = [];

    /// <summary>Predicted class per row; empty for regression.</summary>
    public int[] Labels { get; init; } = [];

    /// <summary>
    /// Per row: true if the embedding reaches basis functions that no training embedding activated, so part of the
    /// prediction rests on coefficients the data never constrained.
    /// </summary>
    public bool[] OutsideTrainedRegion { get; init; } = [];

    /// <summary>Embeddings (rows, latent) row-major.</summary>
    public double[] Embeddings { get; init; } = [];

    /// <summary>Density head (when the model has one): argmax_c P(c) f_c(h) per row; empty otherwise.</summary>
    public int[] DensityLabels { get; init; } = [];

    /// <summary>Density head: the mixture density sum_c P(c) f_c(h) of each row's embedding (higher = more typical); empty otherwise.</summary>
    public double[] Density { get; init; } = [];

    /// <summary>Density head: max_c P(c) f_c(h) of each row's embedding (see <see cref="DensityScores.MaxClass"/>); empty otherwise.</summary>
    public double[] DensityMaxClass { get; init; } = [];

    /// <summary>Density head: true where <see cref="Density"/> is below the head's validation-quantile threshold; empty otherwise.</summary>
    public bool[] OutOfDistribution { get; init; } = [];
}

/// <summary>A trained model loaded from a run directory with its data scaling and training coverage.</summary>
public sealed class TrainedModel : IDisposable
{
    private TrainedModel(NeuralSparseGrid model, TrainerState state, DataScaling scaling, GridCoverage? coverage, DensityHead? density)
    {
        Model = model; State = state; Scaling = scaling; Coverage = coverage; Density = density;
    }

    /// <summary>The density head (null if the run directory has none; see <see cref="DensityHead"/>).</summary>
    public DensityHead? Density { get; }

    /// <summary>The network.</summary>
    public NeuralSparseGrid Model { get; }

    /// <summary>The checkpoint state.</summary>
    public TrainerState State { get; }

    /// <summary>Scaling of inputs and targets.</summary>
    public DataScaling Scaling { get; }

    /// <summary>Training coverage (null if the run directory has none).</summary>
    public GridCoverage? Coverage { get; }

    /// <summary>Loads a run directory written by `nsg train --out DIR` or <see cref="ExperimentRunner.Run"/>.</summary>
    public static TrainedModel Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Model directory '{dir}' does not exist.");
        var (model, state) = Checkpoint.LoadModel(dir);
        var scaling = DataScaling.FromState(state);
        string coveragePath = Path.Combine(dir, ExperimentRunner.CoverageFile);
        var coverage = File.Exists(coveragePath) ? GridCoverage.Load(model.Grid, coveragePath) : null;
        string densityPath = Path.Combine(dir, DensityHead.FileName);
        var density = File.Exists(densityPath) ? DensityHead.Load(densityPath) : null;
        return new TrainedModel(model, state, scaling, coverage, density);
    }

    /// <summary>The task the model was trained for.</summary>
    public DatasetTask Task => Model.Config.Task == NsgTask.Classification ? DatasetTask.Classification : DatasetTask.Regression;

    /// <summary>
    /// Encodes a table file the way the training file was encoded (columns matched by name, or by position when
    /// the file has no header; the stored one-hot maps, imputation and scaling): model inputs and, with
    /// <paramref name="withTarget"/>, the target. Models trained on generated data or spectra have no table
    /// encoder: then the file's numeric columns are read by the model's feature names.
    /// </summary>
    /// <param name="table">The file.</param>
    /// <param name="withTarget">Read (and require) the target column too (evaluate), or only the inputs (predict).</param>
    /// <param name="notes">Receives what was decided (e.g. position matching).</param>
    /// <exception cref="DataFormatException">Missing columns, bad cells, unseen categories or classes.</exception>
    public Dataset Encode(RawTable table, bool withTarget, ICollection<string>? notes = null)
    {
        var encoder = Scaling.Table ?? new TableEncoder
        {
            // A numeric-only encoder that leaves values as they are (Predict applies the stored min-max scaling).
            SourceColumns = Scaling.FeatureNames.Concat(Scaling.TargetNames.Length > 0 && Task == DatasetTask.Regression ? Scaling.TargetNames.Take(1) : []).ToArray(),
            Inputs = Scaling.FeatureNames.Select(n => new TableColumn { Name = n }).ToArray(),
            Target = Task == DatasetTask.Regression && Scaling.TargetNames.Length > 0 ? Scaling.TargetNames[0] : Scaling.TargetNames.FirstOrDefault() ?? "",
            Task = Task,
            ClassNames = Scaling.ClassNames,
            Scale = InputScaling.None,
        };
        if (Scaling.Table == null && table.HasHeader && table.Columns == encoder.Inputs.Length && !encoder.Inputs.All(c => table.IndexOf(c.Name) >= 0))
        {
            // Generated-data models have generic feature names: a file of exactly that many columns is taken in order.
            notes?.Add($"{Path.GetFileName(table.Path)}: the columns ({string.Join(", ", table.Names)}) are not the model's feature names " +
                       $"({string.Join(", ", Scaling.FeatureNames)}); matched by position.");
            table = new RawTable(table.Path, table.Names, hasHeader: false, table.Cells, table.Quoted, table.Nominal, table.Lines);
            notes = null;
        }
        var data = encoder.Transform(table, withTarget, notes);
        if (data.Rows == 0)
            throw new DataFormatException(table.Path, null, "the file has a header but no data rows; at least one row is needed");
        if (data.Columns != Model.Config.Inputs)
            throw new DataFormatException(table.Path, null, $"the file gives {data.Columns} model inputs but the model expects {Model.Config.Inputs}");
        return data;
    }

    /// <summary>Predicts for raw features (rows, inputs) row-major, scaled with the training statistics.</summary>
    public Prediction Predict(double[] features, int rows)
    {
        if (rows < 1) throw new ArgumentException("Nothing to predict: no rows.", nameof(rows));
        int inputs = Model.Config.Inputs;
        if (features.Length != rows * inputs)
            throw new ArgumentException($"Expected {rows} rows of {inputs} features ({inputs} columns), got {features.Length} values.");
        for (int i = 0; i < features.Length; i++)
            if (!double.IsFinite(features[i])) throw new ArgumentException($"Row {i / inputs + 1}, column {i % inputs + 1} is {features[i]}; inputs must be finite.");
        double[] scaled = Scaling.Features != null ? MinMaxScaler.FromState(Scaling.Features).Transform(features, rows) : features;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Model.eval();
        var x = torch.tensor(Array.ConvertAll(scaled, v => (float)v), new long[] { rows, inputs });
        var h = Predictor.Embed(Model, x);
        var output = Model.Head.forward(h);
        var embeddings = h.to(ScalarType.Float64).data<double>().ToArray();
        bool[] outside = Coverage == null ? new bool[rows] : Coverage.Covered(embeddings, rows).Select(c => !c).ToArray();
        if (Model.Config.Task == NsgTask.Classification)
        {
            var p = nn.functional.softmax(output, 1).to(ScalarType.Float64).data<double>().ToArray();
            int classes = Model.Config.Outputs;
            var labels = new int[rows];
            for (int r = 0; r < rows; r++)
                for (int c = 1; c < classes; c++)
                    if (p[r * classes + c] > p[r * classes + labels[r]]) labels[r] = c;
            var scores = Density?.Score(embeddings, labels);
            return new Prediction
            {
                Probabilities = p, Labels = labels, OutsideTrainedRegion = outside, Embeddings = embeddings,
                DensityLabels = scores?.Labels ?? [], Density = scores?.Mixture ?? [], DensityMaxClass = scores?.MaxClass ?? [], OutOfDistribution = scores?.OutOfDistribution ?? [],
            };
        }
        var values = output.to(ScalarType.Float64).data<double>().ToArray();
        if (Scaling.Targets != null) values = MinMaxScaler.FromState(Scaling.Targets).InverseTransform(values, rows);
        return new Prediction { Values = values, OutsideTrainedRegion = outside, Embeddings = embeddings };
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
