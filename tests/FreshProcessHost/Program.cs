using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using TorchSharp;

// Usage: FreshProcessHost TYPE. Builds TYPE as the first TorchSharp object of this process, runs one forward pass and
// prints "ok TYPE output=SHAPE patched=BOOL" (patched: libLibTorchSharp.so was patched by this process at run time).
// Exit 0 on success; 1 with the exception on stderr otherwise; 2 for an unknown TYPE.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: FreshProcessHost CnnEncoder|MlpEncoder|SparseGridLayer|EqualParameterHead|NeuralSparseGrid");
    return 2;
}
try
{
    long[] shape;
    switch (args[0])
    {
        case "CnnEncoder":
            using (var encoder = new CnnEncoder(8))
            using (var output = encoder.forward(torch.zeros(2, 1, 28, 28))) shape = output.shape;
            break;
        case "MlpEncoder":
            using (var encoder = new MlpEncoder([3, 5, 2]))
            using (var output = encoder.forward(torch.zeros(2, 3))) shape = output.shape;
            break;
        case "SparseGridLayer":
            using (var layer = new SparseGridLayer(SparseGrid.Create(2, 3), 1))
            using (var output = layer.forward(torch.full(new long[] { 2, 2 }, 0.5f))) shape = output.shape;
            break;
        case "EqualParameterHead":
            using (var head = new EqualParameterHead(17, 2, 1))
            using (var output = head.forward(torch.full(new long[] { 2, 2 }, 0.5f))) shape = output.shape;
            break;
        case "NeuralSparseGrid":
            using (var model = NeuralSparseGrid.Create(new NsgModelConfig { Grid = new GridConfig { Level = 3 } }, 1))
            using (var output = model.forward(torch.zeros(2, 3))) shape = output.shape;
            break;
        default:
            Console.Error.WriteLine($"unknown type '{args[0]}'");
            return 2;
    }
    Console.WriteLine($"ok {args[0]} output={string.Join("x", shape)} patched={TorchRuntime.PatchedAtRuntime}");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine(e);
    return 1;
}
