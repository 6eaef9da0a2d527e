using Google.Protobuf;
using Onnx;

namespace NeuralSparseGrids.Onnx;

/// <summary>
/// Appends standard-operator nodes and constant initializers to an ONNX <see cref="GraphProto"/> (OnnxSharp's protobuf
/// model), giving every intermediate value a fresh name. Shapes in the XML docs of the callers; this class only wires.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private int _next;

    public OnnxGraphBuilder(string name) => Graph = new GraphProto { Name = name };

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; }

    /// <summary>A fresh value name with a readable prefix.</summary>
    public string Fresh(string prefix) => $"{prefix}_{_next++}";

    /// <summary>Adds a float32 constant of the given shape (row-major data).</summary>
    public string Floats(string prefix, float[] data, params long[] dims) => Constant(prefix, data, TensorProto.Types.DataType.Float, dims);

    /// <summary>Adds a float64 constant of the given shape (row-major data).</summary>
    public string Doubles(string prefix, double[] data, params long[] dims) => Constant(prefix, data, TensorProto.Types.DataType.Double, dims);

    /// <summary>Adds a float32 scalar constant.</summary>
    public string Scalar(float value) => Floats("c", [value]);

    /// <summary>Adds an int64 constant of the given shape (row-major data).</summary>
    public string Int64s(string prefix, long[] data, params long[] dims) => Constant(prefix, data, TensorProto.Types.DataType.Int64, dims);

    private string Constant<T>(string prefix, T[] data, TensorProto.Types.DataType type, long[] dims) where T : unmanaged
    {
        CheckSize(data.LongLength, dims);
        var t = new TensorProto { Name = Fresh(prefix), DataType = (int)type };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a bool constant of the given shape.</summary>
    public string Bools(string prefix, bool[] data, params long[] dims) =>
        Constant(prefix, data.Select(b => b ? (byte)1 : (byte)0).ToArray(), TensorProto.Types.DataType.Bool, dims);

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => Node(op, inputs, Fresh(op.ToLowerInvariant()), attributes);

    /// <summary>The ONNX-ML operator domain (OneHotEncoder and the other traditional-ML operators of the ONNX standard).</summary>
    public const string MlDomain = "ai.onnx.ml";

    /// <summary>Adds a node of the <see cref="MlDomain"/> domain with one output and returns the output's name.</summary>
    public string MlNode(string op, string[] inputs, params AttributeProto[] attributes)
    {
        string output = Node(op, inputs, attributes);
        Graph.Node[^1].Domain = MlDomain;
        return output;
    }

    /// <summary>Adds a node writing to <paramref name="output"/> and returns it.</summary>
    public string Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh("n_" + op) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    // Element-wise and shape helpers (the names of ONNX operators).
    public string Add(string a, string b) => Node("Add", [a, b]);
    public string Sub(string a, string b) => Node("Sub", [a, b]);
    public string Mul(string a, string b) => Node("Mul", [a, b]);
    public string Where(string condition, string a, string b) => Node("Where", [condition, a, b]);
    public string Equal(string a, string b) => Node("Equal", [a, b]);
    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Int64s("shape", shape, shape.Length)]);
    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x, Int64s("axes", axes, axes.Length)]);
    public string Gather(string data, string indices, long axis) => Node("Gather", [data, indices], Int("axis", axis));
    public string Concat(long axis, params string[] inputs) => Node("Concat", inputs, Int("axis", axis));
    public string Cast(string x, TensorProto.Types.DataType to) => Node("Cast", [x], Int("to", (long)to));
    public string ReduceSum(string x, long axis) => Node("ReduceSum", [x, Int64s("axes", [axis], 1)], Int("keepdims", 0));

    /// <summary>An int attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A strings attribute (UTF-8).</summary>
    public static AttributeProto Strings(string name, IEnumerable<string> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return a;
    }

    /// <summary>Declares a graph input or output of shape (batch, columns...) with a symbolic batch dimension.</summary>
    public static ValueInfoProto BatchTensor(string name, TensorProto.Types.DataType type, params long[] columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (long c in columns) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = c });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static void CheckSize(long length, long[] dims)
    {
        long expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != length) throw new ArgumentException($"A constant of shape ({string.Join(", ", dims)}) needs {expected} values, got {length}.");
    }
}
