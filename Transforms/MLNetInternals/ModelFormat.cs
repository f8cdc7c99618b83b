using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLExtensions.MLNetInternals;

/// <summary>
/// How one MLExtensions component identifies itself inside an ML.NET model zip.
/// </summary>
/// <remarks>
/// The model signature (exactly 8 ASCII characters) is stored in the model header; the loader signature (at most
/// 24 characters) is the name ML.NET's component catalog finds the loader by.
/// </remarks>
internal sealed record ModelFormat
{
    /// <param name="firstChecksummedVersion">The first version whose whole entry is checksummed (<see cref="ModelPersistence"/>).</param>
    /// <param name="oldestReader">
    /// The oldest reader that understands what <paramref name="version"/> writes (null: <paramref name="firstChecksummedVersion"/>);
    /// a release whose reader is older refuses the model as too new instead of misreading it.
    /// </param>
    internal ModelFormat(string modelSignature, string loaderSignature, uint version, uint oldestReadable, uint firstChecksummedVersion,
        uint? oldestReader = null)
    {
        if (modelSignature.Length != 8)
            throw new ArgumentException($"Model signature '{modelSignature}' must be exactly 8 characters.", nameof(modelSignature));
        if (loaderSignature.Length is 0 or > 24)
            throw new ArgumentException($"Loader signature '{loaderSignature}' must have 1 to 24 characters.", nameof(loaderSignature));
        if (firstChecksummedVersion > version)
            throw new ArgumentException($"The first checksummed version {firstChecksummedVersion:X8} is after the version written, {version:X8}.", nameof(firstChecksummedVersion));
        (ModelSignature, LoaderSignature, Version, OldestReadable) = (modelSignature, loaderSignature, version, oldestReadable);
        FirstChecksummedVersion = firstChecksummedVersion;
        OldestReader = oldestReader ?? firstChecksummedVersion;
        if (OldestReader < firstChecksummedVersion || OldestReader > version)
            throw new ArgumentException($"The oldest reader {OldestReader:X8} must be between {firstChecksummedVersion:X8} and {version:X8}.", nameof(oldestReader));
    }

    internal string ModelSignature { get; }
    internal string LoaderSignature { get; }
    internal uint Version { get; }
    internal uint OldestReadable { get; }
    internal uint FirstChecksummedVersion { get; }
    internal uint OldestReader { get; }

    internal VersionInfo ToVersionInfo()
    {
        // ML.NET validates the header's loader assembly name, so it must be a loadable name (never null).
        // verReadableCur is the oldest reader that understands what this version writes: a release that reads entries
        // without the checksum, or without a later field, must refuse the model (ML.NET says it is too new) rather than misread it.
        return new VersionInfo(ModelSignature, verWrittenCur: Version, verReadableCur: OldestReader,
            verWeCanReadBack: OldestReadable, loaderAssemblyName: typeof(ModelFormat).Assembly.FullName,
            loaderSignature: LoaderSignature);
    }
}
