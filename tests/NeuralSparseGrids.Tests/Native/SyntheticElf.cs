using System.Text;

namespace NeuralSparseGrids.Tests.Native;

/// <summary>
/// Builds a minimal 64-bit little-endian ELF image with a .dynstr and a .gnu.version_r section requiring the
/// given versions from libstdc++.so.6, so the patcher can be tested without TorchSharp's binary.
/// </summary>
internal static class SyntheticElf
{
    public static byte[] Build(params string[] versions)
    {
        // .dynstr: "\0libstdc++.so.6\0V1\0V2\0..."
        var dynstr = new MemoryStream();
        dynstr.WriteByte(0);
        int fileName = (int)dynstr.Length;
        Write(dynstr, "libstdc++.so.6");
        var nameOffsets = new List<int>();
        foreach (var v in versions) { nameOffsets.Add((int)dynstr.Length); Write(dynstr, v); }
        byte[] strtab = dynstr.ToArray();

        // .gnu.version_r: one Elf64_Verneed followed by its Elf64_Vernaux entries.
        var verneed = new byte[16 + 16 * versions.Length];
        PutU16(verneed, 0, 1);
        PutU16(verneed, 2, (ushort)versions.Length);
        PutU32(verneed, 4, (uint)fileName);
        PutU32(verneed, 8, 16);
        PutU32(verneed, 12, 0);
        for (int a = 0; a < versions.Length; a++)
        {
            int o = 16 + 16 * a;
            PutU32(verneed, o, NeuralSparseGrids.Native.ElfVersionNeedPatcher.ElfHash(versions[a]));
            PutU16(verneed, o + 6, (ushort)(2 + a));
            PutU32(verneed, o + 8, (uint)nameOffsets[a]);
            PutU32(verneed, o + 12, a == versions.Length - 1 ? 0u : 16u);
        }

        int dynstrOffset = 64;
        int verneedOffset = dynstrOffset + strtab.Length;
        int shoff = verneedOffset + verneed.Length;
        const int shnum = 3; // null, .dynstr, .gnu.version_r
        var image = new byte[shoff + shnum * 64];
        image[0] = 0x7f; image[1] = (byte)'E'; image[2] = (byte)'L'; image[3] = (byte)'F';
        image[4] = 2; image[5] = 1; image[6] = 1;
        PutU64(image, 0x28, (ulong)shoff);
        PutU16(image, 0x3a, 64);
        PutU16(image, 0x3c, shnum);
        Array.Copy(strtab, 0, image, dynstrOffset, strtab.Length);
        Array.Copy(verneed, 0, image, verneedOffset, verneed.Length);
        Section(image, shoff + 64, type: 3, offset: dynstrOffset, size: strtab.Length, link: 0);
        Section(image, shoff + 128, type: 0x6ffffffe, offset: verneedOffset, size: verneed.Length, link: 1);
        return image;
    }

    private static void Section(byte[] image, int header, uint type, int offset, int size, uint link)
    {
        PutU32(image, header + 4, type);
        PutU64(image, header + 0x18, (ulong)offset);
        PutU64(image, header + 0x20, (ulong)size);
        PutU32(image, header + 0x28, link);
    }

    private static void Write(Stream s, string text) { var b = Encoding.ASCII.GetBytes(text + "\0"); s.Write(b); }
    private static void PutU16(byte[] b, int o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
    private static void PutU32(byte[] b, int o, uint v) { for (int i = 0; i < 4; i++) b[o + i] = (byte)(v >> (8 * i)); }
    private static void PutU64(byte[] b, int o, ulong v) { for (int i = 0; i < 8; i++) b[o + i] = (byte)(v >> (8 * i)); }
}
