using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>
/// Saving and loading ML.NET models that contain NSG transformers: <c>mlContext.Model.SaveWithNeuralSparseGrids</c>
/// writes ML.NET's own model file and adds each trained NSG to that same zip file (entries
/// <c>NeuralSparseGrids/N.json</c> and <c>N.bin</c>); <c>mlContext.Model.LoadWithNeuralSparseGrids</c> loads it back.
/// </summary>
/// <remarks>
/// Why not plain <c>mlContext.Model.Save/Load</c>: in ML.NET 5 a transformer from outside ML.NET cannot write to or
/// be read from the model file. <c>ModelSaveContext</c> exposes no public member (its writer and repository are
/// internal), and <c>ModelLoadContext</c>, <c>VersionInfo</c> and <c>LoadableClassAttribute</c>, which a loadable
/// class needs, are internal. The only public extension point that survives a save is <c>CustomMapping</c>, which
/// stores just a contract name, not state. So the NSG saves a CustomMapping placeholder in its place (ML.NET's file
/// stays loadable by ML.NET) and these helpers carry the network beside it inside the zip and put it back on load.
/// </remarks>
public static class NsgModelFiles
{
    /// <summary>Contract name of the placeholder mapping that stands for an NSG inside an ML.NET model file.</summary>
    public const string PlaceholderContract = "NeuralSparseGrids.Placeholder";

    private const string EntryPrefix = "NeuralSparseGrids/";
    private static readonly AsyncLocal<List<byte[][]>?> Saving = new();

    /// <summary>Saves <paramref name="model"/> like <c>mlContext.Model.Save</c>, with every NSG transformer inside the same file.</summary>
    public static void SaveWithNeuralSparseGrids(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var saved = new List<byte[][]>();
        Saving.Value = saved;
        try
        {
            new MLContext().Model.Save(model, inputSchema, filePath);
        }
        finally
        {
            Saving.Value = null;
        }
        using var zip = ZipFile.Open(filePath, ZipArchiveMode.Update);
        for (int i = 0; i < saved.Count; i++)
        {
            zip.CreateEntry($"{EntryPrefix}{i}.json").Open().Using(s => s.Write(saved[i][0]));
            zip.CreateEntry($"{EntryPrefix}{i}.bin").Open().Using(s => s.Write(saved[i][1]));
        }
    }

    /// <summary>Loads a model written by <see cref="SaveWithNeuralSparseGrids"/>; the NSG transformers are back in place.</summary>
    public static ITransformer LoadWithNeuralSparseGrids(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var context = new MLContext();
        context.ComponentCatalog.RegisterAssembly(typeof(PlaceholderFactory).Assembly);
        var loaded = context.Model.Load(filePath, out inputSchema);
        var networks = new Queue<NeuralSparseGridTransformer>();
        using (var zip = ZipFile.OpenRead(filePath))
            for (int i = 0; zip.GetEntry($"{EntryPrefix}{i}.json") is { } json; i++)
                networks.Enqueue(Restore(Read(json), Read(zip.GetEntry($"{EntryPrefix}{i}.bin")
                    ?? throw new InvalidDataException($"{filePath}: {EntryPrefix}{i}.bin is missing."))));
        var result = Replace(loaded, networks);
        if (networks.Count > 0) throw new InvalidDataException($"{filePath}: {networks.Count} stored NSG(s) had no placeholder in the pipeline.");
        return result;
    }

    /// <summary>Called by <see cref="NeuralSparseGridTransformer"/>'s Save: records the network and saves the placeholder.</summary>
    internal static void SaveThroughMapping(NeuralSparseGridTransformer transformer, ModelSaveContext ctx, NeuralSparseGridTrainerOptions options)
    {
        var saving = Saving.Value ?? throw new InvalidOperationException(
            "A model with a Neural Sparse Grid must be saved with mlContext.Model.SaveWithNeuralSparseGrids(model, schema, path) " +
            "(and loaded with mlContext.Model.LoadWithNeuralSparseGrids): ML.NET 5 gives transformers from other libraries no public " +
            "way to write their state into the model file (see the README, \"Use from ML.NET\").");
        var state = new StoredNsg(transformer.Model.Config, transformer.Scaling, options, transformer.LabelKeyValues());
        string temp = Path.GetTempFileName();
        try
        {
            transformer.Model.save(temp);
            saving.Add([JsonSerializer.SerializeToUtf8Bytes(state, JsonSettings.Options), File.ReadAllBytes(temp)]);
        }
        finally
        {
            File.Delete(temp);
        }
        var mlContext = new MLContext();
        var empty = mlContext.Data.LoadFromEnumerable(new List<PlaceholderInput>());
        ITransformer placeholder = mlContext.Transforms.CustomMapping<PlaceholderInput, PlaceholderOutput>(PlaceholderFactory.Unloaded, PlaceholderContract).Fit(empty);
        placeholder.Save(ctx);
    }

    private static NeuralSparseGridTransformer Restore(byte[] json, byte[] parameters)
    {
        var state = JsonSerializer.Deserialize<StoredNsg>(json, JsonSettings.Options) ?? throw new InvalidDataException("Empty NSG entry.");
        var model = NeuralSparseGrid.Create(state.Config, state.Options.Seed);
        string temp = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(temp, parameters);
            model.load(temp);
        }
        finally
        {
            File.Delete(temp);
        }
        model.eval();
        return new NeuralSparseGridTransformer(model, state.Scaling, state.Options, LabelSchema(state));
    }

    // A schema holding just the label column with its key values, so the restored transformer annotates PredictedLabel as before.
    private static DataViewSchema LabelSchema(StoredNsg state)
    {
        var b = new DataViewSchema.Builder();
        if (state.Config.Task != NsgTask.Classification) return b.ToSchema();
        var keys = new DataViewSchema.Annotations.Builder();
        if (state.LabelKeyValues is { } names)
        {
            var values = new VBuffer<ReadOnlyMemory<char>>(names.Length, names.Select(n => n.AsMemory()).ToArray());
            keys.Add(MlNetData.AnnotationUtilsKeyValues, new VectorDataViewType(TextDataViewType.Instance, names.Length),
                (ref VBuffer<ReadOnlyMemory<char>> v) => values.CopyTo(ref v));
        }
        b.AddColumn(state.Options.LabelColumnName, new KeyDataViewType(typeof(uint), state.Config.Outputs), keys.ToAnnotations());
        return b.ToSchema();
    }

    private static ITransformer Replace(ITransformer loaded, Queue<NeuralSparseGridTransformer> networks)
    {
        if (IsPlaceholder(loaded)) return networks.Count > 0 ? networks.Dequeue() : throw new InvalidDataException("The model file holds fewer NSGs than placeholders.");
        if (loaded is TransformerChain<ITransformer> chain)
            return new TransformerChain<ITransformer>(chain.Select(t => Replace(t, networks)).ToArray());
        return loaded;
    }

    private static bool IsPlaceholder(ITransformer t) =>
        t.GetType().IsGenericType && t.GetType().GetGenericArguments() is [var a, var b] && a == typeof(PlaceholderInput) && b == typeof(PlaceholderOutput);

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static void Using(this Stream stream, Action<Stream> write)
    {
        using (stream) write(stream);
    }

    /// <summary>What the zip entry N.json holds.</summary>
    internal sealed record StoredNsg(NsgModelConfig Config, DataScaling Scaling, NeuralSparseGridTrainerOptions Options, string[]? LabelKeyValues);
}

/// <summary>Input of the placeholder mapping (never evaluated).</summary>
public sealed class PlaceholderInput
{
    /// <summary>Unused.</summary>
    public float NsgPlaceholder { get; set; }
}

/// <summary>Output of the placeholder mapping (never evaluated).</summary>
public sealed class PlaceholderOutput
{
    /// <summary>Unused.</summary>
    public float NsgPlaceholderOutput { get; set; }
}

/// <summary>Recreates the placeholder when ML.NET loads a model file; LoadWithNeuralSparseGrids swaps it for the NSG.</summary>
[CustomMappingFactoryAttribute(NsgModelFiles.PlaceholderContract)]
public sealed class PlaceholderFactory : CustomMappingFactory<PlaceholderInput, PlaceholderOutput>
{
    internal static void Unloaded(PlaceholderInput input, PlaceholderOutput output) => throw new InvalidOperationException(
        "This ML.NET model contains a Neural Sparse Grid: load it with mlContext.Model.LoadWithNeuralSparseGrids(path, out schema).");

    /// <inheritdoc />
    public override Action<PlaceholderInput, PlaceholderOutput> GetMapping() => Unloaded;
}
