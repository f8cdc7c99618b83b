using System.Text;
using MLExtensions.Persistence;

namespace MLExtensions.MLNetInternals;

/// <summary>
/// Reads and writes a component's own bytes inside ML.NET's model save/load contexts. Everything a component writes is
/// one <see cref="ChecksummedBytes"/> block, so a damaged entry (a column name, an option, a weight) fails the load
/// with the entry named, instead of loading a different model.
/// </summary>
internal static class ModelPersistence
{
    internal static void Save(Microsoft.ML.ModelSaveContext ctx, ModelFormat format, Action<BinaryWriter> write)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        MLNetVersionGuard.Ensure();
        ctx.CheckAtModel();
        ctx.SetVersionInfo(format.ToVersionInfo());
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
            write(writer);
        ChecksummedBytes.Write(ctx.Writer, payload.ToArray());
    }

    internal static T Load<T>(Microsoft.ML.ModelLoadContext ctx, ModelFormat format, Func<BinaryReader, T> read)
        => Load(ctx, format, (reader, _) => read(reader));

    /// <summary>Loads a component whose bytes differ between versions: <paramref name="read"/> gets the version the model was written with.</summary>
    internal static T Load<T>(Microsoft.ML.ModelLoadContext ctx, ModelFormat format, Func<BinaryReader, uint, T> read)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        MLNetVersionGuard.Ensure();
        ctx.CheckAtModel(format.ToVersionInfo());
        uint version = ctx.Header.ModelVerWritten;
        if (version < format.FirstChecksummedVersion)
            return read(ctx.Reader, version);
        string entry = string.IsNullOrEmpty(ctx.Directory) ? "Model.key" : $"{ctx.Directory}/Model.key";
        var bytes = ChecksummedBytes.Read(ctx.Reader, $"The contents of model entry '{entry}' ({format.LoaderSignature})");
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return read(reader, version);
    }
}
