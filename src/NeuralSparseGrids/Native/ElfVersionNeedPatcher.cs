// This file is compiled twice: into the NeuralSparseGrids library (so it can be unit tested and used by
// `nsg doctor`) and, unchanged, by MSBuild's RoslynCodeTaskFactory from build/NeuralSparseGrids.Native.targets,
// where the MSBuild task at the bottom wraps it. The library defines NSG_LIBRARY to leave that task out.
// Keep it free of dependencies beyond the BCL (and MSBuild's own types inside the task section).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NeuralSparseGrids.Native
{
    /// <summary>Outcome of <see cref="ElfVersionNeedPatcher.Patch"/>.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The version-need entry was rewritten.</summary>
        Patched,
        /// <summary>No entry names the version to replace: nothing to do (already patched, or never needed).</summary>
        NotNeeded,
    }

    /// <summary>
    /// Rewrites one <c>Elf64_Vernaux</c> entry of a shared library's <c>.gnu.version_r</c> section so that a
    /// version requirement (e.g. <c>GLIBCXX_3.4.32</c>) names an older version the library already requires
    /// (e.g. <c>GLIBCXX_3.4.30</c>).
    /// </summary>
    /// <remarks>
    /// Why: TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and so requires
    /// <c>GLIBCXX_3.4.32</c>, but the only symbol bound to that version is <c>std::ios_base_library_init()</c>,
    /// a marker that nothing calls. Debian 12 ships libstdc++ up to 3.4.30, so the dynamic loader refuses the
    /// library. Pointing the requirement at 3.4.30 (which is already required elsewhere, so its name is in
    /// <c>.dynstr</c>) lets the loader accept it; only the hash and the name offset change, sizes stay the same.
    /// </remarks>
    public static class ElfVersionNeedPatcher
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>The standard System V ELF hash of a symbol or version name (as stored in <c>vna_hash</c>).</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (byte c in Encoding.ASCII.GetBytes(name))
            {
                h = (h << 4) + c;
                uint g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        /// <summary>One version requirement found in <c>.gnu.version_r</c>.</summary>
        public readonly struct VersionNeed
        {
            /// <summary>Creates a record.</summary>
            public VersionNeed(string file, string version, uint hash, int auxOffset)
            {
                File = file; Version = version; Hash = hash; AuxOffset = auxOffset;
            }
            /// <summary>The library the version is required from (e.g. <c>libstdc++.so.6</c>).</summary>
            public string File { get; }
            /// <summary>The version name (e.g. <c>GLIBCXX_3.4.30</c>).</summary>
            public string Version { get; }
            /// <summary>The stored <c>vna_hash</c>.</summary>
            public uint Hash { get; }
            /// <summary>File offset of the <c>Elf64_Vernaux</c> entry.</summary>
            public int AuxOffset { get; }
        }

        /// <summary>Lists every version requirement of a 64-bit little-endian ELF image.</summary>
        /// <exception cref="InvalidDataException">The bytes are not such an ELF file or its tables are inconsistent.</exception>
        public static List<VersionNeed> ReadVersionNeeds(byte[] elf)
        {
            var (verneedOffset, verneedSize, dynstrOffset, dynstrSize) = LocateSections(elf);
            var needs = new List<VersionNeed>();
            int entry = verneedOffset;
            for (int guard = 0; guard < 4096; guard++)
            {
                CheckRange(elf, entry, 16, "Elf64_Verneed");
                ushort count = ReadU16(elf, entry + 2);
                uint fileName = ReadU32(elf, entry + 4);
                uint auxOffset = ReadU32(elf, entry + 8);
                uint next = ReadU32(elf, entry + 12);
                string file = ReadString(elf, dynstrOffset, dynstrSize, fileName);
                int aux = entry + (int)auxOffset;
                for (int a = 0; a < count; a++)
                {
                    CheckRange(elf, aux, 16, "Elf64_Vernaux");
                    uint hash = ReadU32(elf, aux);
                    uint name = ReadU32(elf, aux + 8);
                    uint auxNext = ReadU32(elf, aux + 12);
                    needs.Add(new VersionNeed(file, ReadString(elf, dynstrOffset, dynstrSize, name), hash, aux));
                    if (auxNext == 0) break;
                    aux += (int)auxNext;
                }
                if (next == 0) break;
                entry += (int)next;
                if (entry >= verneedOffset + verneedSize + 4096) throw new InvalidDataException("Elf64_Verneed chain leaves its section.");
            }
            return needs;
        }

        /// <summary>
        /// Rewrites, in <paramref name="elf"/>, the requirement for <paramref name="fromVersion"/> so that it names
        /// <paramref name="toVersion"/>, whose string must already be in <c>.dynstr</c>.
        /// </summary>
        /// <returns><see cref="ElfPatchOutcome.NotNeeded"/> if no requirement names <paramref name="fromVersion"/>.</returns>
        /// <exception cref="InvalidDataException">Not a 64-bit little-endian ELF file, or <paramref name="toVersion"/> is not in <c>.dynstr</c>.</exception>
        public static ElfPatchOutcome Patch(byte[] elf, string fromVersion, string toVersion)
        {
            var (_, _, dynstrOffset, dynstrSize) = LocateSections(elf);
            var targets = ReadVersionNeeds(elf).FindAll(n => n.Version == fromVersion);
            if (targets.Count == 0) return ElfPatchOutcome.NotNeeded;
            int nameOffset = FindString(elf, dynstrOffset, dynstrSize, toVersion);
            if (nameOffset < 0)
                throw new InvalidDataException($"'{toVersion}' is not in .dynstr, so the requirement for '{fromVersion}' cannot be pointed at it without growing the file.");
            foreach (var target in targets)
            {
                WriteU32(elf, target.AuxOffset, ElfHash(toVersion));
                WriteU32(elf, target.AuxOffset + 8, (uint)nameOffset);
            }
            return ElfPatchOutcome.Patched;
        }

        /// <summary>
        /// Patches a file on disk atomically (writes a temporary file beside it, then renames), so a file that is a
        /// hard link into a package cache is replaced rather than modified.
        /// </summary>
        public static ElfPatchOutcome PatchFile(string path, string fromVersion, string toVersion)
        {
            byte[] bytes = File.ReadAllBytes(path);
            var outcome = Patch(bytes, fromVersion, toVersion);
            if (outcome != ElfPatchOutcome.Patched) return outcome;
            // Copying first keeps the file's permissions; File.Replace is a rename (netstandard2.0 API, because
            // MSBuild compiles this file against netstandard2.0).
            string temp = path + ".nsg-patch.tmp";
            File.Copy(path, temp, overwrite: true);
            File.WriteAllBytes(temp, bytes);
            File.Replace(temp, path, null);
            return outcome;
        }

        /// <summary>True if the file at <paramref name="path"/> contains the ASCII string <paramref name="text"/>.</summary>
        public static bool FileContainsString(string path, string text)
        {
            byte[] bytes = File.ReadAllBytes(path);
            return FindBytes(bytes, 0, bytes.Length, Encoding.ASCII.GetBytes(text + "\0")) >= 0;
        }

        /// <summary>
        /// The system's libstdc++ as the dynamic loader would find it, or null when none of the usual locations has one.
        /// </summary>
        public static string? FindSystemLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/lib64/libstdc++.so.6",
            };
            foreach (var candidate in candidates)
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        private static (int verneedOffset, int verneedSize, int dynstrOffset, int dynstrSize) LocateSections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file (bad magic).");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");
            long shoff = (long)ReadU64(elf, 0x28);
            ushort shentsize = ReadU16(elf, 0x3a);
            ushort shnum = ReadU16(elf, 0x3c);
            if (shentsize < 64 || shoff <= 0 || shoff + (long)shnum * shentsize > elf.Length)
                throw new InvalidDataException("ELF section header table lies outside the file.");
            for (int s = 0; s < shnum; s++)
            {
                int header = (int)(shoff + (long)s * shentsize);
                if (ReadU32(elf, header + 4) != ShtGnuVerneed) continue;
                int offset = (int)ReadU64(elf, header + 0x18);
                int size = (int)ReadU64(elf, header + 0x20);
                uint link = ReadU32(elf, header + 0x28);
                if (link >= shnum) throw new InvalidDataException(".gnu.version_r links to a missing string table.");
                int strHeader = (int)(shoff + (long)link * shentsize);
                int strOffset = (int)ReadU64(elf, strHeader + 0x18);
                int strSize = (int)ReadU64(elf, strHeader + 0x20);
                CheckRange(elf, offset, size, ".gnu.version_r");
                CheckRange(elf, strOffset, strSize, ".dynstr");
                return (offset, size, strOffset, strSize);
            }
            throw new InvalidDataException("The ELF file has no .gnu.version_r section (no version requirements).");
        }

        private static int FindString(byte[] elf, int start, int size, string text)
        {
            byte[] needle = Encoding.ASCII.GetBytes(text + "\0");
            // A match must start a string: at the table start or right after a NUL.
            int from = start;
            while (true)
            {
                int hit = FindBytes(elf, from, start + size, needle);
                if (hit < 0) return -1;
                if (hit == start || elf[hit - 1] == 0) return hit - start;
                from = hit + 1;
            }
        }

        private static int FindBytes(byte[] haystack, int from, int end, byte[] needle)
        {
            int limit = end - needle.Length;
            for (int i = from; i <= limit; i++)
            {
                int k = 0;
                while (k < needle.Length && haystack[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }

        private static string ReadString(byte[] elf, int tableOffset, int tableSize, uint offset)
        {
            if (offset >= tableSize) throw new InvalidDataException($"String offset {offset} lies outside .dynstr ({tableSize} bytes).");
            int start = tableOffset + (int)offset;
            int end = start;
            while (end < tableOffset + tableSize && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        private static void CheckRange(byte[] elf, long offset, long size, string what)
        {
            if (offset < 0 || size < 0 || offset + size > elf.Length)
                throw new InvalidDataException($"{what} at offset {offset} ({size} bytes) lies outside the file ({elf.Length} bytes).");
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));
        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);
        private static void WriteU32(byte[] b, int o, uint v)
        {
            b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); b[o + 2] = (byte)(v >> 16); b[o + 3] = (byte)(v >> 24);
        }
    }

#if !NSG_LIBRARY
    /// <summary>
    /// MSBuild task: patches <c>libLibTorchSharp.so</c> files in an output directory when the system's libstdc++
    /// lacks the version they require. Runs on Linux only; idempotent.
    /// </summary>
    public sealed class PatchLibTorchSharpTask : Microsoft.Build.Utilities.Task
    {
        /// <summary>Directory to search (recursively) for libLibTorchSharp.so.</summary>
        [Microsoft.Build.Framework.Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>Version to replace.</summary>
        public string FromVersion { get; set; } = "GLIBCXX_3.4.32";

        /// <summary>Version to require instead.</summary>
        public string ToVersion { get; set; } = "GLIBCXX_3.4.30";

        /// <inheritdoc />
        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux) || !Directory.Exists(OutputDirectory)) return true;
            string? libstdcxx = ElfVersionNeedPatcher.FindSystemLibStdCxx();
            if (libstdcxx == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "NeuralSparseGrids: no system libstdc++ found; libLibTorchSharp.so left as is.");
                return true;
            }
            if (ElfVersionNeedPatcher.FileContainsString(libstdcxx, FromVersion)) return true;
            foreach (string file in Directory.EnumerateFiles(OutputDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                try
                {
                    var outcome = ElfVersionNeedPatcher.PatchFile(file, FromVersion, ToVersion);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            $"NeuralSparseGrids: {file}: requirement {FromVersion} -> {ToVersion} ({libstdcxx} lacks {FromVersion}).");
                }
                catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogWarning($"NeuralSparseGrids: could not patch {file}: {e.Message}");
                }
            }
            return true;
        }
    }
#endif
}
