using System.Reflection;
using System.Text;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// How worker processes and scheduler tasks start `nsg`: a program and leading arguments, e.g. ("/opt/nsg/nsg", [])
/// or ("dotnet", ["/opt/nsg/nsg.dll"]). Resolution order: an explicit --nsg "COMMAND", the NSG_COMMAND environment
/// variable, then the running nsg itself (its app host next to nsg.dll, else `dotnet nsg.dll`).
/// </summary>
/// <param name="Program">Executable.</param>
/// <param name="Prefix">Arguments before the nsg command name.</param>
public sealed record NsgCommand(string Program, IReadOnlyList<string> Prefix)
{
    /// <summary>Environment variable that overrides the default.</summary>
    public const string EnvironmentVariable = "NSG_COMMAND";

    /// <summary>The command from <paramref name="explicitCommand"/>, NSG_COMMAND, or the running nsg (<paramref name="cliAssembly"/>).</summary>
    public static NsgCommand Resolve(string? explicitCommand, Assembly cliAssembly)
    {
        string? text = explicitCommand ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(text)) return Parse(text);
        string dll = cliAssembly.Location;
        string appHost = Path.Combine(Path.GetDirectoryName(dll)!, Path.GetFileNameWithoutExtension(dll) + (OperatingSystem.IsWindows() ? ".exe" : ""));
        if (File.Exists(appHost)) return new NsgCommand(appHost, []);
        return new NsgCommand(DotnetHost(), [dll]);
    }

    /// <summary>Splits a command line on spaces; single or double quotes group words.</summary>
    public static NsgCommand Parse(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        bool any = false;
        foreach (char ch in text.Trim())
        {
            if (quote != '\0') { if (ch == quote) quote = '\0'; else current.Append(ch); continue; }
            if (ch is '"' or '\'') { quote = ch; any = true; continue; }
            if (char.IsWhiteSpace(ch)) { if (current.Length > 0 || any) words.Add(current.ToString()); current.Clear(); any = false; continue; }
            current.Append(ch);
        }
        if (current.Length > 0 || any) words.Add(current.ToString());
        if (words.Count == 0) throw new ArgumentException("The nsg command is empty.");
        return new NsgCommand(words[0], words.Skip(1).ToList());
    }

    /// <summary>The command for a POSIX shell, each word quoted where needed.</summary>
    public string ToShell() => string.Join(' ', new[] { Program }.Concat(Prefix).Select(ShellQuote));

    /// <summary>Every word (program first).</summary>
    public IReadOnlyList<string> Words => [Program, .. Prefix];

    /// <summary>Single-quotes <paramref name="word"/> for sh unless it is plainly safe.</summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsLetterOrDigit(c) || "/._-+=:,@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    // The dotnet host running us (tests, `dotnet nsg.dll`), the SDK's DOTNET_HOST_PATH, or `dotnet` on PATH.
    private static string DotnetHost()
    {
        string? process = Environment.ProcessPath;
        if (process != null && Path.GetFileNameWithoutExtension(process) == "dotnet") return process;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }
}
