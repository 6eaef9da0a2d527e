namespace NeuralSparseGrids.Grids;

/// <summary>
/// Per-thread state of the CPU evaluator: the sample's <see cref="ActiveFunctions"/> and the small buffers of the
/// tensor-product walk and the product rule. Allocated once per thread, reused for every sample.
/// </summary>
internal sealed class EvaluationWorkspace
{
    public EvaluationWorkspace(SubspaceWalk walk, int outputs)
    {
        Walk = walk;
        int d = walk.Grid.Dim;
        Active = new ActiveFunctions(walk.Grid);
        Choice = new int[d];
        Limits = new int[d];
        Prefix = new double[d + 1];
        Suffix = new double[d + 1];
        Accumulator = new double[outputs * d];
        Terms = new double[d];
    }

    public SubspaceWalk Walk { get; }
    public ActiveFunctions Active { get; }

    // Choice (d): the active function chosen per dimension in the tensor-product walk; Limits (d): how many each
    // dimension of the current subspace has; Prefix/Suffix (d + 1): running products of the product rule;
    // Accumulator (outputs * d) and Terms (d): the gradient of one sample.
    public int[] Choice { get; }
    public int[] Limits { get; }
    public double[] Prefix { get; }
    public double[] Suffix { get; }
    public double[] Accumulator { get; }
    public double[] Terms { get; }
}
