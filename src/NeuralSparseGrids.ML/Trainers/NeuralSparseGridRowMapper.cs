using Microsoft.ML;
using Microsoft.ML.Data;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>
/// A trained NSG as a row-to-row mapper (what ML.NET's <c>PredictionEngine</c> and the row mapper of a
/// <c>TransformerChain</c> run): the output row is the input row plus the NSG's Score (and, for multiclass,
/// PredictedLabel) columns, computed from the current input row's feature vector when a getter is first called for
/// that row and cached by row position, so Score and PredictedLabel share one forward pass.
/// </summary>
/// <remarks>
/// Not thread-safe: an output row caches the last row's scores and reuses its buffers. ML.NET's PredictionEngine is not
/// thread-safe either; use one engine per thread. Scoring runs the same code as <see cref="NeuralSparseGridTransformer.Transform"/>
/// (one row at a time, without gradients, its tensors freed before the getter returns).
/// </remarks>
public sealed class NeuralSparseGridRowMapper : IRowToRowMapper
{
    private readonly NeuralSparseGridTransformer _transformer;
    private readonly DataViewSchema.Column _features;

    internal NeuralSparseGridRowMapper(NeuralSparseGridTransformer transformer, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        _transformer = transformer;
        InputSchema = inputSchema;
        OutputSchema = transformer.GetOutputSchema(inputSchema);
        _features = inputSchema[transformer.FeatureColumnName];
    }

    /// <inheritdoc />
    public DataViewSchema InputSchema { get; }

    /// <summary>The input columns (same indices) followed by the NSG's appended columns.</summary>
    public DataViewSchema OutputSchema { get; }

    /// <summary>Input columns pass through; the appended columns depend on the feature column.</summary>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        ArgumentNullException.ThrowIfNull(dependingColumns);
        var needed = new SortedDictionary<int, DataViewSchema.Column>();
        foreach (var column in dependingColumns)
        {
            var input = column.Index < InputSchema.Count ? InputSchema[column.Index] : _features;
            needed[input.Index] = input;
        }
        return needed.Values.ToList();
    }

    /// <inheritdoc />
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        if (!ReferenceEquals(input.Schema, InputSchema))
            throw new ArgumentException("The input row's schema is not the schema this mapper was made for (IRowToRowMapper.InputSchema).", nameof(input));
        return new ScoredRow(this, input, activeColumns);
    }

    /// <summary>The input row plus the appended columns, scored on demand once per input row position.</summary>
    private sealed class ScoredRow : DataViewRow
    {
        private readonly NeuralSparseGridRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly ValueGetter<VBuffer<float>>? _getFeatures;
        private readonly double[] _dense;
        private VBuffer<float> _featureValues;
        private float[] _scores = [];
        private long _scoredPosition = long.MinValue;

        public ScoredRow(NeuralSparseGridRowMapper mapper, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            _mapper = mapper;
            _input = input;
            _active = new bool[mapper.OutputSchema.Count];
            foreach (var column in activeColumns) _active[column.Index] = true;
            _dense = new double[mapper._transformer.Model.Config.Inputs];
            if (_active.Skip(input.Schema.Count).Any(a => a))
            {
                if (!input.IsColumnActive(mapper._features))
                    throw new InvalidOperationException($"The NSG needs column '{mapper._features.Name}' of the input row, which is inactive (see GetDependencies).");
                _getFeatures = input.GetGetter<VBuffer<float>>(mapper._features);
            }
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < 0 || column.Index >= _active.Length || !Schema[column.Index].Type.Equals(column.Type))
                throw new ArgumentException($"Column '{column.Name}' is not a column of this row.", nameof(column));
            if (column.Index < _input.Schema.Count) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            return ScoreColumns.Getter<TValue>(column, column.Index - _input.Schema.Count, _mapper._transformer.Classification, CurrentScores);
        }

        // One forward pass per input row, however many getters read it.
        private ReadOnlyMemory<float> CurrentScores()
        {
            long position = _input.Position;
            if (position != _scoredPosition)
            {
                _getFeatures!(ref _featureValues);
                _scores = _mapper._transformer.ScoreRow(_featureValues, _dense);
                _scoredPosition = position;
            }
            return _scores;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
