using System.Buffers.Binary;
using System.Text;

namespace MLExtensions.Native;

/// <summary>
/// Reads and edits the symbol-version requirements (<c>.gnu.version_r</c>: Verneed/Vernaux entries) of a
/// 64-bit little-endian ELF shared library.
/// </summary>
internal static class ElfVersionRequirements
{
    // Bit in Vernaux.vna_flags: the loader only warns, instead of failing, when the version is missing.
    internal const ushort WeakFlag = 0x2;
    private const uint SectionTypeGnuVerneed = 0x6ffffffe;

    internal sealed record Requirement(string File, string Version, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & WeakFlag) != 0;
    }

    /// <summary>Lists every (library, version) requirement in the image.</summary>
    internal static IReadOnlyList<Requirement> Read(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        long sectionHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);

        var result = new List<Requirement>();
        for (int i = 0; i < count; i++)
        {
            var header = elf.Slice(checked((int)(sectionHeaders + (long)i * entrySize)), entrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionTypeGnuVerneed)
                continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
            int stringSection = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[40..]);
            int needCount = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[44..]);
            var stringHeader = elf.Slice(checked((int)(sectionHeaders + (long)stringSection * entrySize)), entrySize);
            long strings = (long)BinaryPrimitives.ReadUInt64LittleEndian(stringHeader[24..]);

            long need = offset;
            for (int n = 0; n < needCount; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(need + 2)..]);
                string file = ReadString(elf, strings + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 4)..]));
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(aux + 4)..]);
                    string version = ReadString(elf, strings + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 8)..]));
                    result.Add(new Requirement(file, version, flags, aux + 4));
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 12)..]);
                }
                need += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 12)..]);
            }
        }
        return result;
    }

    /// <summary>
    /// Marks the requirement on <paramref name="version"/> weak. Returns false when the image has no such
    /// requirement; marking an already weak requirement again changes nothing.
    /// </summary>
    internal static bool MarkWeak(Span<byte> elf, string version)
    {
        var found = false;
        foreach (var requirement in Read(elf))
        {
            if (requirement.Version != version)
                continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf[(int)requirement.FlagsOffset..], (ushort)(requirement.Flags | WeakFlag));
            found = true;
        }
        return found;
    }

    private static string ReadString(ReadOnlySpan<byte> elf, long offset)
    {
        var tail = elf[checked((int)offset)..];
        int end = tail.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? tail : tail[..end]);
    }
}
