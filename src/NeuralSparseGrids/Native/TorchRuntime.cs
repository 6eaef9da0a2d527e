using System.Runtime.InteropServices;
using TorchSharp;

namespace NeuralSparseGrids.Native;

/// <summary>Thrown when libtorch cannot be loaded; the message says what is missing and how to fix it.</summary>
public sealed class TorchLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads TorchSharp's native backend once, first repairing the GLIBCXX requirement of libLibTorchSharp.so in the
/// application directory when the system libstdc++ is too old (the build-time MSBuild target normally did that
/// already; this covers hosts that copied the files some other way).
/// </summary>
public static class TorchRuntime
{
    /// <summary>The version libLibTorchSharp.so 0.107 asks for but only needs for an unused marker symbol.</summary>
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";

    /// <summary>The newest version Debian 12's libstdc++ provides; already required by the library too.</summary>
    public const string FallbackGlibcxx = "GLIBCXX_3.4.30";

    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>True if a copy of libLibTorchSharp.so was patched by this process.</summary>
    public static bool PatchedAtRuntime { get; private set; }

    /// <summary>
    /// Ensures libtorch is loaded and returns <paramref name="moduleName"/>: for the <c>base(...)</c> call of every
    /// torch-backed module, because TorchSharp's Module constructor already calls into libtorch, before the
    /// derived constructor's body could load (and if needed patch) it.
    /// </summary>
    public static string LoadedFor(string moduleName)
    {
        EnsureLoaded();
        return moduleName;
    }

    /// <summary>Ensures libtorch is loaded; throws <see cref="TorchLoadException"/> with a diagnosis otherwise.</summary>
    public static void EnsureLoaded()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            PreferPassiveOpenMpWaiting();
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && SystemLibStdCxxLacksRequiredVersion())
                PatchedAtRuntime = PatchApplicationCopies() > 0;
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                using var probe = torch.ones(1);
            }
            catch (Exception e) when (e is not TorchLoadException)
            {
                throw new TorchLoadException(Diagnose(), e);
            }
            _loaded = true;
        }
    }

    // OpenMP threads that spin at barriers starve everything else on a busy machine (measured here: a tiny CNN test
    // took 41 s instead of 2-3 s). libgomp reads OMP_WAIT_POLICY when libtorch loads, from the native environment,
    // which .NET's Environment.SetEnvironmentVariable does not change: so set it through libc, unless the user did.
    private static void PreferPassiveOpenMpWaiting()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") != null) return;
        try { _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);

    /// <summary>The libLibTorchSharp.so files shipped with this application (output or publish folder).</summary>
    public static IReadOnlyList<string> ApplicationCopies()
    {
        string root = AppContext.BaseDirectory;
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "libLibTorchSharp.so", SearchOption.AllDirectories).ToList()
            : [];
    }

    /// <summary>True on Linux when the system libstdc++ does not define <see cref="RequiredGlibcxx"/>.</summary>
    public static bool SystemLibStdCxxLacksRequiredVersion()
    {
        string? lib = ElfVersionNeedPatcher.FindSystemLibStdCxx();
        return lib != null && !ElfVersionNeedPatcher.FileContainsString(lib, RequiredGlibcxx);
    }

    /// <summary>True if <paramref name="libTorchSharp"/> still asks for <see cref="RequiredGlibcxx"/>.</summary>
    public static bool StillRequiresNewGlibcxx(string libTorchSharp) =>
        ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(libTorchSharp)).Any(n => n.Version == RequiredGlibcxx);

    private static int PatchApplicationCopies()
    {
        int patched = 0;
        foreach (var file in ApplicationCopies())
        {
            try
            {
                if (ElfVersionNeedPatcher.PatchFile(file, RequiredGlibcxx, FallbackGlibcxx) == ElfPatchOutcome.Patched) patched++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // Read-only install: leave it; Diagnose() explains if the load then fails.
            }
        }
        return patched;
    }

    private static string Diagnose()
    {
        var lines = new List<string> { "libtorch (TorchSharp's native backend) could not be loaded." };
        var copies = ApplicationCopies();
        if (copies.Count == 0)
        {
            lines.Add($"No libLibTorchSharp.so was found under {AppContext.BaseDirectory}: reference the TorchSharp-cpu package (it brings libtorch-cpu) and rebuild.");
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && SystemLibStdCxxLacksRequiredVersion()
                 && copies.Any(StillRequiresNewGlibcxx))
        {
            lines.Add($"{copies.First(StillRequiresNewGlibcxx)} requires {RequiredGlibcxx} (GCC 13's libstdc++), which {ElfVersionNeedPatcher.FindSystemLibStdCxx()} lacks, and the file could not be patched (read-only?).");
            lines.Add("Fix: rebuild with the NeuralSparseGrids MSBuild targets (they patch the copy in the output), make the folder writable, or install libstdc++ from GCC 13 or newer.");
        }
        else
        {
            lines.Add("The native files are present; check that libtorch's own libraries (libtorch_cpu.so, libc10.so) are next to libLibTorchSharp.so and that the platform is linux-x64, win-x64 or osx-arm64.");
        }
        return string.Join(Environment.NewLine, lines);
    }
}
