namespace MLExtensions.Architectures;

/// <summary>
/// The part of a saved <see cref="NetworkDescription"/> that belongs to its family: the family's name, its config
/// version and the config's bytes, length-prefixed so that a config that reads more or less than was written is
/// caught as damage rather than read into the next field.
/// </summary>
internal static class FamilyConfigSection
{
    internal static void Write(BinaryWriter writer, NetworkDescription description)
    {
        var family = NetworkFamilies.Of(description);
        using var bytes = new MemoryStream();
        using (var config = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true))
            family.WriteConfig(description, config);
        writer.Write(family.Name);
        writer.Write(family.ConfigVersion);
        writer.Write((int)bytes.Length);
        writer.Write(bytes.GetBuffer(), 0, (int)bytes.Length);
    }

    internal static NetworkDescription Read(BinaryReader reader, NetworkDescription description)
    {
        var name = reader.ReadString();
        int version = reader.ReadInt32();
        int length = reader.ReadInt32();
        if (length < 0)
            throw new InvalidDataException($"The model's {name} config has a negative length {length}.");
        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length)
            throw new EndOfStreamException($"The model's {name} config is cut short: {bytes.Length} of {length} bytes.");
        var family = NetworkFamilies.Of(description);
        if (family.Name != name)
            throw new InvalidDataException($"The model's network was saved by the family '{name}' but its description now belongs to '{family.Name}'.");
        if (version < 1 || version > family.ConfigVersion)
            throw new InvalidDataException($"The model's {name} config has version {version}; this library reads versions 1 to {family.ConfigVersion} " +
                "(a model saved by a newer MLExtensions needs that version to load).");
        using var config = new BinaryReader(new MemoryStream(bytes));
        var read = family.ReadConfig(description, config, version);
        if (config.BaseStream.Position != length)
            throw new InvalidDataException($"The model's {name} config (version {version}) holds {length} bytes but {config.BaseStream.Position} were read.");
        return read;
    }
}
