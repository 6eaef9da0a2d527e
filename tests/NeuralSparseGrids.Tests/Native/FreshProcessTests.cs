using System.Diagnostics;
using System.Runtime.InteropServices;
using NeuralSparseGrids.Native;
using TorchSharp;

namespace NeuralSparseGrids.Tests.Native;

/// <summary>
/// Every public torch-backed type works as the first TorchSharp object of a fresh process whose build did not patch
/// libLibTorchSharp.so (a user's application outside this solution): the type loads libtorch, patching the
/// application's copy at run time where the system libstdc++ lacks GLIBCXX_3.4.32, before TorchSharp's Module
/// constructor calls into it. Runs tests/FreshProcessHost from a staged folder whose libLibTorchSharp.so is the NuGet
/// package's unpatched original (the other files are links to the host's build output).
/// </summary>
public sealed class FreshProcessTests : IDisposable
{
    private readonly string _stage = Path.Combine(Path.GetTempPath(), "nsg-fresh-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_stage, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Theory]
    [InlineData("CnnEncoder", "2x8")]
    [InlineData("MlpEncoder", "2x2")]
    [InlineData("SparseGridLayer", "2x1")]
    [InlineData("EqualParameterHead", "2x1")]
    [InlineData("NeuralSparseGrid", "2x1")]
    public void TypeWorksAsTheFirstTorchObjectOfAFreshProcess(string type, string shape)
    {
        string hostDir = HostOutput();
        string? original = NuGetOriginal();
        bool staged = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && original != null;
        string appDir = staged ? Stage(hostDir, original!) : hostDir;
        if (staged && TorchRuntime.SystemLibStdCxxLacksRequiredVersion())
            Assert.True(TorchRuntime.StillRequiresNewGlibcxx(StagedLibTorchSharp(appDir)), "the staged copy should start unpatched");

        var (code, stdout, stderr) = Run(Path.Combine(appDir, "FreshProcessHost.dll"), type);

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains($"ok {type} output={shape}", stdout);
        if (staged && TorchRuntime.SystemLibStdCxxLacksRequiredVersion())
        {
            Assert.Contains("patched=True", stdout);
            Assert.False(TorchRuntime.StillRequiresNewGlibcxx(StagedLibTorchSharp(appDir)));
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string dll, string type)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(type);
        start.Environment["OMP_WAIT_POLICY"] = "passive";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"FreshProcessHost {type} did not finish within 2 minutes.");
        }
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>tests/FreshProcessHost/bin/CONFIGURATION/TFM, the configuration and framework of this test assembly.</summary>
    private static string HostOutput()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = testBin.Name, configuration = testBin.Parent!.Name;
        for (var dir = testBin; dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "FreshProcessHost", "bin", configuration, tfm);
            if (File.Exists(Path.Combine(candidate, "FreshProcessHost.dll"))) return candidate;
        }
        throw new InvalidOperationException($"FreshProcessHost.dll ({configuration}/{tfm}) not found above {testBin.FullName}: build the solution.");
    }

    /// <summary>The unpatched libLibTorchSharp.so of the TorchSharp package in the NuGet cache, or null.</summary>
    private static string? NuGetOriginal()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var v = typeof(torch).Assembly.GetName().Version!;
        string path = Path.Combine(root, "torchsharp", $"{v.Major}.{v.Minor}.{v.Build}", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// A folder with the host's files as links, except the host's own files and libLibTorchSharp.so, which are copied
    /// (the latter from <paramref name="original"/>), so the run patches its own copy and never the build output.
    /// </summary>
    private string Stage(string hostDir, string original)
    {
        foreach (string file in Directory.EnumerateFiles(hostDir, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(_stage, Path.GetRelativePath(hostDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string name = Path.GetFileName(file);
            if (name == "libLibTorchSharp.so") File.Copy(original, target);
            else if (name.StartsWith("FreshProcessHost.", StringComparison.Ordinal)) File.Copy(file, target);
            else File.CreateSymbolicLink(target, file);
        }
        return _stage;
    }

    private static string StagedLibTorchSharp(string appDir) =>
        Directory.EnumerateFiles(appDir, "libLibTorchSharp.so", SearchOption.AllDirectories).Single(f => f.Contains("linux-x64", StringComparison.Ordinal));
}
