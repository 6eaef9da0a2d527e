using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// A TorchSharp optimizer (SGD or Adam) with per-group learning-rate scales. It is built from its parameter groups by
/// <c>build</c>, so that a replaced parameter (an adapted grid's coefficients) gets a rebuilt optimizer whose state
/// is carried over.
/// </summary>
internal sealed class TorchOptimizer : IStepOptimizer
{
    private readonly Func<IReadOnlyList<IReadOnlyList<Parameter>>, optim.Optimizer> _build;
    private readonly double[] _groupScales;
    private List<IReadOnlyList<Parameter>> _groups;
    private optim.Optimizer _optimizer;

    /// <param name="build">Makes the optimizer of the given parameter groups (in this order).</param>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="groupScales">Learning-rate factor per group.</param>
    public TorchOptimizer(Func<IReadOnlyList<IReadOnlyList<Parameter>>, optim.Optimizer> build, IReadOnlyList<IReadOnlyList<Parameter>> groups, double[] groupScales)
    {
        _build = build;
        _groups = [.. groups];
        _groupScales = groupScales;
        _optimizer = build(_groups);
    }

    public void ZeroGrad() => _optimizer.zero_grad();

    public void Step() => _optimizer.step();

    public void SetLearningRate(double lr)
    {
        int i = 0;
        foreach (var group in Helper.ParamGroups) group.LearningRate = lr * _groupScales[i++];
    }

    public void Save(string path) => Helper.save_state_dict(path);

    public void Load(string path) => Helper.load_state_dict(path);

    public void ReplaceParameter(Parameter old, Parameter replacement, int[] rowSources)
    {
        var groups = _groups.Select(g => (IReadOnlyList<Parameter>)g.Select(p => p.Handle == old.Handle ? replacement : p).ToList()).ToList();
        if (groups.SelectMany(g => g).SequenceEqual(_groups.SelectMany(g => g))) return;
        var rebuilt = _build(groups);
        var before = Helper.state_dict();
        var after = ((OptimizerHelper)rebuilt).state_dict();
        var oldParameters = _groups.SelectMany(g => g).ToList();
        using (no_grad())
            for (int i = 0; i < before.State.Count; i++)
                CarryState(before.State[i], after.State[i], oldParameters[i].Handle == old.Handle ? rowSources : null);
        foreach (var (from, to) in Helper.ParamGroups.Zip(((OptimizerHelper)rebuilt).ParamGroups)) to.LearningRate = from.LearningRate;
        _optimizer.Dispose();
        _optimizer = rebuilt;
        _groups = groups;
    }

    // Copies one parameter's state into the rebuilt optimizer's (rows remapped where rowSources is given).
    private static void CarryState(OptimizerState from, OptimizerState to, int[]? rowSources)
    {
        Tensor Carry(Tensor source) => rowSources is null ? source.detach().clone() : Layers.CoefficientRemap.Rows(source, rowSources);
        switch (from, to)
        {
            case (Adam.State a, Adam.State b):
                b.step = a.step;
                b.exp_avg.Dispose();
                b.exp_avg = Carry(a.exp_avg).DetachFromDisposeScope();
                b.exp_avg_sq.Dispose();
                b.exp_avg_sq = Carry(a.exp_avg_sq).DetachFromDisposeScope();
                if (a.max_exp_avg_sq is not null)
                {
                    b.max_exp_avg_sq?.Dispose();
                    b.max_exp_avg_sq = Carry(a.max_exp_avg_sq).DetachFromDisposeScope();
                }
                break;
            case (SGD.State a, SGD.State b):
                if (a.momentum_buffer is not null) b.momentum_buffer = Carry(a.momentum_buffer).DetachFromDisposeScope();
                break;
            default:
                throw new NotSupportedException($"Carrying {from.GetType().Name} optimizer state to a changed parameter is not implemented.");
        }
    }

    private OptimizerHelper Helper => (OptimizerHelper)_optimizer;

    public void Dispose() => _optimizer.Dispose();
}
