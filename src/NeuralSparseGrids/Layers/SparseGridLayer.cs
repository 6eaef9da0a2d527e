using NeuralSparseGrids.Grids;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>TEMPORARY dense stand-in while the fused layer is developed on its branch (replaced at merge).</summary>
public sealed class SparseGridLayer : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _levels;
    private readonly Tensor _indices;

    /// <summary>Creates the layer.</summary>
    public SparseGridLayer(SparseGrid grid, int outputs, long seed = 0) : base("SparseGridLayer")
    {
        Grid = grid;
        Outputs = outputs;
        var l = new long[grid.PointCount * grid.Dim];
        var i = new long[grid.PointCount * grid.Dim];
        var li = new int[grid.Dim]; var ii = new int[grid.Dim];
        for (long p = 0; p < grid.PointCount; p++)
        {
            grid.LevelIndex(p, li, ii);
            for (int j = 0; j < grid.Dim; j++) { l[p * grid.Dim + j] = li[j]; i[p * grid.Dim + j] = ii[j]; }
        }
        _levels = torch.tensor(l, new long[] { grid.PointCount, grid.Dim });
        _indices = torch.tensor(i, new long[] { grid.PointCount, grid.Dim });
        Coefficients = new TorchSharp.Modules.Parameter(torch.zeros(grid.PointCount, outputs));
        register_parameter("coefficients", Coefficients);
        register_buffer("levels", _levels, persistent: false);
        register_buffer("indices", _indices, persistent: false);
    }

    /// <summary>The grid.</summary>
    public SparseGrid Grid { get; }

    /// <summary>Number of outputs.</summary>
    public int Outputs { get; }

    /// <summary>Coefficients (points, outputs).</summary>
    public TorchSharp.Modules.Parameter Coefficients { get; }

    /// <summary>(batch, dim) -> (batch, points).</summary>
    public Tensor BasisMatrix(Tensor h)
    {
        using var scope = torch.NewDisposeScope();
        var scale = torch.pow(2.0, _levels.to(h.dtype)).unsqueeze(0);
        var t = scale * h.unsqueeze(1) - _indices.to(h.dtype).unsqueeze(0);
        var phi = torch.clamp_min(1 - t.abs(), 0);
        return phi.prod(-1).MoveToOuterDisposeScope();
    }

    /// <summary>(batch, dim) -> (batch, outputs).</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = torch.NewDisposeScope();
        return BasisMatrix(h).matmul(Coefficients.to(h.dtype)).MoveToOuterDisposeScope();
    }
}
