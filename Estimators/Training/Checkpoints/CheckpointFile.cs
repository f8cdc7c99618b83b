using System.Security.Cryptography;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace MLExtensions.Training;

/// <summary>
/// Checkpoint files in a directory: <c>epoch-NNNN.mlxckpt</c>, one per completed epoch, the newest
/// <see cref="Kept"/> kept. A file is a magic header, a format version, named sections of <see cref="CheckpointState"/>
/// and a SHA-256 of all that; it is written under a temporary name, flushed to disk and renamed, so a crash while
/// writing leaves the previous checkpoint as the latest complete one.
/// </summary>
internal static partial class CheckpointFile
{
    internal const int Kept = 2;
    private const string Extension = ".mlxckpt";
    private const int FormatVersion = 1;
    private const int HashBytes = 32;
    private static readonly byte[] Magic = "MLXCKPT\n"u8.ToArray();

    [GeneratedRegex(@"^epoch-(\d+)\.mlxckpt$")]
    private static partial Regex CompleteName();

    internal static string NameFor(int epoch) => $"epoch-{epoch:D4}{Extension}";

    /// <summary>The complete checkpoints in <paramref name="directory"/>, oldest first (temporary files are not complete).</summary>
    internal static IReadOnlyList<(int Epoch, string Path)> Complete(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        return Directory.EnumerateFiles(directory)
            .Select(path => (Match: CompleteName().Match(Path.GetFileName(path)), Path: path))
            .Where(f => f.Match.Success)
            .Select(f => (int.Parse(f.Match.Groups[1].Value), f.Path))
            .OrderBy(f => f.Item1)
            .ToArray();
    }

    internal static string? Latest(string directory) => Complete(directory) is { Count: > 0 } all ? all[^1].Path : null;

    /// <param name="open">Opens the temporary file for writing (tests pass a stream that fails part-way).</param>
    internal static string Write(string directory, int epoch, IEnumerable<(string Name, CheckpointState State)> sections, Func<string, Stream>? open = null)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, NameFor(epoch));
        string temporary = path + ".tmp";
        using (var stream = (open ?? File.Create)(temporary))
        {
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                WritePayload(writer, sections);
            FlushToDisk(stream);
        }
        AppendHash(temporary);
        File.Move(temporary, path, overwrite: true);
        RemoveAllBut(directory, Kept);
        return path;
    }

    private static void WritePayload(BinaryWriter writer, IEnumerable<(string Name, CheckpointState State)> sections)
    {
        var all = sections.ToArray();
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(all.Length);
        foreach (var (name, state) in all)
        {
            writer.Write(name);
            state.Write(writer);
        }
        writer.Flush();
    }

    private static void AppendHash(string path)
    {
        byte[] hash;
        using (var read = File.OpenRead(path))
            hash = SHA256.HashData(read);
        using var append = new FileStream(path, FileMode.Append, FileAccess.Write);
        append.Write(hash);
        FlushToDisk(append);
    }

    private static void FlushToDisk(Stream stream)
    {
        if (stream is FileStream file)
            file.Flush(flushToDisk: true);
        else
            stream.Flush();
    }

    /// <summary>Deletes every checkpoint but the newest <paramref name="keep"/>, and temporary files left by a crash.</summary>
    internal static void RemoveAllBut(string directory, int keep)
    {
        if (!Directory.Exists(directory))
            return;
        var complete = Complete(directory);
        foreach (var (_, path) in complete.Take(Math.Max(0, complete.Count - keep)))
            File.Delete(path);
        foreach (var temporary in Directory.EnumerateFiles(directory, "epoch-*" + Extension + ".tmp"))
            File.Delete(temporary);
    }

    /// <summary>Reads and verifies a checkpoint; tensors it returns go to <paramref name="device"/>. Errors name the file.</summary>
    internal static Checkpoint Read(string path, Device device)
    {
        try
        {
            using var stream = File.OpenRead(path);
            CheckHeaderAndHash(stream, path);
            stream.Position = Magic.Length;
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"The checkpoint '{path}' has format version {version}; this MLExtensions reads version {FormatVersion}.");
            var sections = new Dictionary<string, CheckpointState>();
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                sections[name] = CheckpointState.Read(reader, name, device);
            }
            return new Checkpoint(path, sections);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"The checkpoint '{path}' cannot be read: {e.Message} Delete it to resume from the one before it, if there is one.", e);
        }
    }

    private static void CheckHeaderAndHash(FileStream stream, string path)
    {
        var header = new byte[Magic.Length];
        if (stream.Read(header) != Magic.Length || !header.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not an MLExtensions training checkpoint (it does not start with the checkpoint header).");
        if (stream.Length < Magic.Length + 2 * sizeof(int) + HashBytes)
            throw new InvalidDataException($"The checkpoint '{path}' is truncated ({stream.Length} bytes). Delete it to resume from the one before it, if there is one.");
        stream.Position = 0;
        var expected = new byte[HashBytes];
        byte[] actual;
        using (var payload = new BoundedStream(stream, stream.Length - HashBytes))
            actual = SHA256.HashData(payload);
        stream.Position = stream.Length - HashBytes;
        stream.ReadExactly(expected);
        if (!actual.AsSpan().SequenceEqual(expected))
            throw new InvalidDataException($"The checkpoint '{path}' is corrupt or truncated: its contents do not match its checksum. Delete it to resume from the one before it, if there is one.");
    }

    /// <summary>The first <c>length</c> bytes of a stream, read-only (the payload without its trailing hash).</summary>
    private sealed class BoundedStream(Stream inner, long length) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, (int)Math.Min(count, length - _read));
            _read += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
