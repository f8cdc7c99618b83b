namespace MLExtensions.MLNetInternals;

/// <summary>Reads and writes a component's own bytes inside ML.NET's model save/load contexts.</summary>
internal static class ModelPersistence
{
    internal static void Save(Microsoft.ML.ModelSaveContext ctx, ModelFormat format, Action<BinaryWriter> write)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        MLNetVersionGuard.Ensure();
        ctx.CheckAtModel();
        ctx.SetVersionInfo(format.ToVersionInfo());
        write(ctx.Writer);
    }

    internal static T Load<T>(Microsoft.ML.ModelLoadContext ctx, ModelFormat format, Func<BinaryReader, T> read)
        => Load(ctx, format, (reader, _) => read(reader));

    /// <summary>Loads a component whose bytes differ between versions: <paramref name="read"/> gets the version the model was written with.</summary>
    internal static T Load<T>(Microsoft.ML.ModelLoadContext ctx, ModelFormat format, Func<BinaryReader, uint, T> read)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        MLNetVersionGuard.Ensure();
        ctx.CheckAtModel(format.ToVersionInfo());
        return read(ctx.Reader, ctx.Header.ModelVerWritten);
    }
}
