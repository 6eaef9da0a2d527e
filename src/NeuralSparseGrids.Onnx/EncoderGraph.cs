using NeuralSparseGrids.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Onnx;

/// <summary>Encoders, dense heads and rescalings of <see cref="NeuralSparseGrid"/> as ONNX nodes (Gemm, Conv, BatchNormalization, ...).</summary>
internal static class EncoderGraph
{
    /// <summary>
    /// (batch, inputs) -> (batch, latent), raw (before rescaling). Supports <see cref="MlpEncoder"/> and
    /// <see cref="CnnEncoder"/> (on flattened square images: inputs = side^2 x channels).
    /// </summary>
    public static string Append(OnnxGraphBuilder g, string x, nn.Module<Tensor, Tensor> encoder, int inputs) => encoder switch
    {
        MlpEncoder mlp => Mlp(g, x, mlp),
        CnnEncoder cnn => Cnn(g, x, cnn, ImageSide(inputs, cnn.InputChannels)),
        _ => throw new NotSupportedException($"ONNX export does not know the encoder {encoder.GetType().Name}."),
    };

    /// <summary>(batch, d) -> (batch, outputs) through the equal-parameter dense head.</summary>
    public static string DenseHead(OnnxGraphBuilder g, string h, EqualParameterHead head)
    {
        var (hidden, activation, output) = head.Layers;
        return Gemm(g, Activate(g, Gemm(g, h, hidden), activation), output);
    }

    /// <summary>The rescaling into [0,1]^d: (batch, d) -> (batch, d).</summary>
    public static string Rescale(OnnxGraphBuilder g, string z, Rescaling rescaling) => rescaling.Kind switch
    {
        RescaleKind.Sigmoid => g.Node("Sigmoid", [z]),
        RescaleKind.Tanh => g.Mul(g.Add(g.Node("Tanh", [z]), g.Scalar(1)), g.Scalar(0.5f)),
        _ => g.Add(g.Mul(g.Node("Sigmoid", [z]), g.Scalar((float)(1 - 2 * rescaling.MarginWidth))), g.Scalar((float)rescaling.MarginWidth)),
    };

    private static string Mlp(OnnxGraphBuilder g, string x, MlpEncoder mlp)
    {
        var layers = mlp.LinearLayers;
        for (int i = 0; i < layers.Count; i++)
        {
            x = Gemm(g, x, layers[i]);
            if (i + 1 < layers.Count) x = Activate(g, x, mlp.Activation);
        }
        return x;
    }

    /// <summary>CNN encoder on images of side <paramref name="side"/>: (batch, channels side^2) -> (batch, latent).</summary>
    private static string Cnn(OnnxGraphBuilder g, string x, CnnEncoder cnn, long side)
    {
        var h = g.Reshape(x, 0, cnn.InputChannels, side, side);
        h = g.Node("Relu", [ConvNorm(g, h, cnn.StemConvolution, cnn.StemNorm)]);
        foreach (var block in cnn.Blocks)
        {
            var y = g.Node("Relu", [ConvNorm(g, h, block.First.Conv, block.First.Norm)]);
            y = ConvNorm(g, y, block.Second.Conv, block.Second.Norm);
            var skip = block.Projection is { } p ? ConvNorm(g, h, p.Conv, p.Norm) : h;
            h = g.Node("Relu", [g.Add(y, skip)]);
        }
        var pooled = g.Node("ReduceMean", [h], OnnxGraphBuilder.Ints("axes", 2, 3), OnnxGraphBuilder.Int("keepdims", 0)); // (batch, 4 width)
        return Gemm(g, pooled, cnn.Head);
    }

    private static long ImageSide(int inputs, int channels)
    {
        long side = (long)Math.Round(Math.Sqrt(inputs / (double)channels));
        if (side * side * channels != inputs)
            throw new NotSupportedException($"A CNN encoder is exported for flattened square images; {inputs} inputs are not {channels} x side^2.");
        return side;
    }

    private static string ConvNorm(OnnxGraphBuilder g, string x, VerifiedConv2d conv, BatchNorm2d norm)
    {
        var s = conv.Shape;
        var w = g.Floats("conv_w", Data(conv.Weight), s.OutChannels, s.InChannels, s.Kernel, s.Kernel);
        var y = g.Node("Conv", [x, w],
            OnnxGraphBuilder.Ints("kernel_shape", s.Kernel, s.Kernel),
            OnnxGraphBuilder.Ints("strides", s.Stride, s.Stride),
            OnnxGraphBuilder.Ints("pads", s.Padding, s.Padding, s.Padding, s.Padding));
        long c = s.OutChannels;
        return g.Node("BatchNormalization",
            [y, g.Floats("bn_scale", Data(norm.weight!), c), g.Floats("bn_bias", Data(norm.bias!), c),
             g.Floats("bn_mean", Data(norm.running_mean!), c), g.Floats("bn_var", Data(norm.running_var!), c)],
            OnnxGraphBuilder.Float("epsilon", (float)norm.eps));
    }

    private static string Gemm(OnnxGraphBuilder g, string x, Linear linear)
    {
        long outF = linear.weight!.shape[0], inF = linear.weight.shape[1];
        var w = g.Floats("w", Data(linear.weight), outF, inF);
        var inputs = linear.bias is null ? new[] { x, w } : [x, w, g.Floats("b", Data(linear.bias), outF)];
        return g.Node("Gemm", inputs, OnnxGraphBuilder.Int("transB", 1));
    }

    private static string Activate(OnnxGraphBuilder g, string x, Activation activation) => activation switch
    {
        Activation.ReLU => g.Node("Relu", [x]),
        Activation.Tanh => g.Node("Tanh", [x]),
        Activation.Sigmoid => g.Node("Sigmoid", [x]),
        Activation.LeakyReLU => g.Node("LeakyRelu", [x], OnnxGraphBuilder.Float("alpha", 0.01f)),
        _ => throw new NotSupportedException($"ONNX export does not know the activation {activation}."),
    };

    /// <summary>A tensor's values as float32, row-major.</summary>
    public static float[] Data(Tensor t)
    {
        using var f = t.detach().to(ScalarType.Float32).cpu().contiguous();
        return f.data<float>().ToArray();
    }
}
