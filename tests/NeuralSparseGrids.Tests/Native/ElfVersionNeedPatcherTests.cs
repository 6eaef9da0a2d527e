using NeuralSparseGrids.Native;

namespace NeuralSparseGrids.Tests.Native;

public class ElfVersionNeedPatcherTests
{
    [Theory]
    // Reference values: the standard SysV hash as computed by glibc's _dl_elf_hash (and stored by linkers).
    [InlineData("", 0u)]
    [InlineData("printf", 0x077905a6u)]
    [InlineData("GLIBC_2.2.5", 0x09691a75u)]
    public void ElfHashMatchesKnownValues(string name, uint expected) =>
        Assert.Equal(expected, ElfVersionNeedPatcher.ElfHash(name));

    [Fact]
    public void RewritesOnlyTheRequestedEntry()
    {
        byte[] original = SyntheticElf.Build("GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "CXXABI_1.3.9");
        byte[] image = (byte[])original.Clone();

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Patch(image, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));

        var needs = ElfVersionNeedPatcher.ReadVersionNeeds(image);
        Assert.Equal(new[] { "GLIBCXX_3.4.30", "GLIBCXX_3.4.30", "CXXABI_1.3.9" }, needs.Select(n => n.Version));
        Assert.All(needs, n => Assert.Equal(ElfVersionNeedPatcher.ElfHash(n.Version), n.Hash));
        Assert.All(needs, n => Assert.Equal("libstdc++.so.6", n.File));
        // Only vna_hash and vna_name of one entry (8 bytes at most) may differ.
        int changed = original.Zip(image).Count(p => p.First != p.Second);
        Assert.InRange(changed, 1, 8);
    }

    [Fact]
    public void IsIdempotent()
    {
        byte[] image = SyntheticElf.Build("GLIBCXX_3.4.30", "GLIBCXX_3.4.32");
        ElfVersionNeedPatcher.Patch(image, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30");
        byte[] once = (byte[])image.Clone();
        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeedPatcher.Patch(image, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));
        Assert.Equal(once, image);
    }

    [Fact]
    public void RefusesWhenTargetVersionStringIsAbsent()
    {
        byte[] image = SyntheticElf.Build("GLIBCXX_3.4.32");
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.Patch(image, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));
        Assert.Contains("GLIBCXX_3.4.30", e.Message);
    }

    [Fact]
    public void RejectsNonElfAndTruncatedInput()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.ReadVersionNeeds(new byte[100]));
        byte[] image = SyntheticElf.Build("GLIBCXX_3.4.30", "GLIBCXX_3.4.32");
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.ReadVersionNeeds(image.AsSpan(0, image.Length - 10).ToArray()));
    }

    [Fact]
    public void PatchFileReplacesAtomicallyAndKeepsOthersIntact()
    {
        string dir = Directory.CreateTempSubdirectory("nsg-elf").FullName;
        try
        {
            string path = Path.Combine(dir, "libLibTorchSharp.so");
            File.WriteAllBytes(path, SyntheticElf.Build("GLIBCXX_3.4.30", "GLIBCXX_3.4.32"));
            string link = Path.Combine(dir, "cache-copy.so");
            File.Copy(path, link);
            Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.PatchFile(path, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));
            Assert.DoesNotContain(ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(path)), n => n.Version == "GLIBCXX_3.4.32");
            Assert.Contains(ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(link)), n => n.Version == "GLIBCXX_3.4.32");
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [SkippableFact]
    public void PatchesTheRealTorchSharpLibraryFromTheNuGetCache()
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                      ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(path), $"TorchSharp 0.107.0's libLibTorchSharp.so is not in the NuGet cache at {path}.");

        byte[] image = File.ReadAllBytes(path);
        var before = ElfVersionNeedPatcher.ReadVersionNeeds(image);
        var existing30 = Assert.Single(before, n => n.Version == "GLIBCXX_3.4.30");
        Assert.Single(before, n => n.Version == "GLIBCXX_3.4.32");
        // The linker's stored hash is an independent reference for our hash function.
        Assert.Equal(existing30.Hash, ElfVersionNeedPatcher.ElfHash("GLIBCXX_3.4.30"));

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Patch(image, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30"));
        var after = ElfVersionNeedPatcher.ReadVersionNeeds(image);
        Assert.Equal(before.Count, after.Count);
        Assert.DoesNotContain(after, n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal(2, after.Count(n => n.Version == "GLIBCXX_3.4.30" && n.Hash == existing30.Hash));
    }
}
