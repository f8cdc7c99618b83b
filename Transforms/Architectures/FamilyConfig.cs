namespace MLExtensions;

/// <summary>
/// A network family's own settings, beyond the ones every <see cref="NetworkDescription"/> has. The family writes and
/// reads it in the model zip with its own config version, so that it can add settings later and still read the models
/// written before. Derive a record from it: records compare by value, which descriptions rely on.
/// </summary>
public abstract record FamilyConfig;
