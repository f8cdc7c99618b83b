using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MLExtensions.Pretrained;

/// <summary>
/// Reads a PyTorch state dict — <c>.safetensors</c>, or <c>torch.save(model.state_dict(), path)</c>'s zip pickle —
/// telling the format from the file's first bytes, not its name.
/// </summary>
internal static class PyTorchWeightsFile
{
    internal enum Format { Safetensors, ZipPickle, LegacyPickle, Unknown }

    /// <summary>Every entry as a CPU tensor, owned by the caller.</summary>
    internal static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The weights file '{path}' does not exist.", path);
        return Detect(path) switch
        {
            Format.Safetensors => ReadSafetensors(path),
            Format.ZipPickle => ReadPickle(path),
            Format.LegacyPickle => throw new InvalidDataException(
                $"The weights file '{path}' was written in PyTorch's legacy (pre-1.6, non-zip) torch.save format, which cannot be read here. " +
                "Re-save it with a current PyTorch: torch.save(torch.load(old_path), new_path), or as .safetensors: " +
                "safetensors.torch.save_file(torch.load(old_path), 'weights.safetensors')."),
            _ => throw new InvalidDataException(
                $"The weights file '{path}' is neither a .safetensors file nor a PyTorch torch.save zip file (its first bytes are {FirstBytes(path)}). " +
                "Save the weights in PyTorch with torch.save(model.state_dict(), 'weights.pt') or safetensors.torch.save_file(model.state_dict(), 'weights.safetensors')."),
        };
    }

    internal static Format Detect(string path)
    {
        Span<byte> head = stackalloc byte[9];
        using (var stream = File.OpenRead(path))
            if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length)
                return Format.Unknown;
        // Safetensors: an 8-byte little-endian header length, then the JSON header.
        if (head[8] == (byte)'{' && BitConverter.ToUInt64(head[..8]) < 100_000_000)
            return Format.Safetensors;
        if (head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            return Format.ZipPickle;
        // The legacy format starts with a pickled magic number: PROTO 2, LONG1 of 10 bytes.
        if (head[0] == 0x80 && head[2] == 0x8A)
            return Format.LegacyPickle;
        return Format.Unknown;
    }

    private static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        SafetensorsHeader.Validate(path);
        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The .safetensors file '{path}' could not be read: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> ReadPickle(string path)
    {
        TorchSaveStorages.Validate(path);
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"The PyTorch file '{path}' could not be read as a state dict ({e.Message}). It must hold model.state_dict() " +
                "(a dictionary of tensors), not a whole pickled model or a training checkpoint: in PyTorch, torch.save(model.state_dict(), path).", e);
        }
        var entries = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
            if (entry.Key is string name && entry.Value is Tensor value)
                entries[name] = value;
        if (entries.Count != table.Count)
        {
            foreach (var tensor in entries.Values)
                tensor.Dispose();
            var other = table.Cast<DictionaryEntry>().First(e => e.Key is not string || e.Value is not Tensor);
            throw new InvalidDataException(
                $"The PyTorch file '{path}' is not a plain state dict: its entry '{other.Key}' holds {other.Value?.GetType().Name ?? "null"}, not a tensor. " +
                "If it is a training checkpoint, save only the weights: torch.save(checkpoint['state_dict'], path) (or whichever key holds them).");
        }
        return entries;
    }

    private static string FirstBytes(string path)
    {
        var bytes = new byte[8];
        using var stream = File.OpenRead(path);
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        return read == 0 ? "none (the file is empty)" : string.Join(" ", bytes.Take(read).Select(b => b.ToString("X2")));
    }
}
