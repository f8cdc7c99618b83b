using System.IO.Compression;

namespace MLExtensions.UnitTests;

/// <summary>Reads and replaces single entries of a zip held in memory (model zips, torch.save files), for damage tests.</summary>
internal static class ZipEntries
{
    internal static byte[] Read(byte[] zip, string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        using var stream = (archive.GetEntry(name) ?? throw new ArgumentException($"the zip holds no entry '{name}'", nameof(name))).Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The zip with entry <paramref name="name"/> holding <paramref name="content"/>, or without it when null.</summary>
    internal static byte[] With(byte[] zip, string name, byte[]? content)
    {
        var copy = new MemoryStream();
        copy.Write(zip);
        using (var archive = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true))
        {
            archive.GetEntry(name)!.Delete();
            if (content is not null)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(content);
            }
        }
        return copy.ToArray();
    }
}
