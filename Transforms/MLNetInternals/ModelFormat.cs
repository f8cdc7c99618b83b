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
    internal ModelFormat(string modelSignature, string loaderSignature, uint version, uint oldestReadable)
    {
        if (modelSignature.Length != 8)
            throw new ArgumentException($"Model signature '{modelSignature}' must be exactly 8 characters.", nameof(modelSignature));
        if (loaderSignature.Length is 0 or > 24)
            throw new ArgumentException($"Loader signature '{loaderSignature}' must have 1 to 24 characters.", nameof(loaderSignature));
        (ModelSignature, LoaderSignature, Version, OldestReadable) = (modelSignature, loaderSignature, version, oldestReadable);
    }

    internal string ModelSignature { get; }
    internal string LoaderSignature { get; }
    internal uint Version { get; }
    internal uint OldestReadable { get; }

    internal VersionInfo ToVersionInfo()
    {
        // ML.NET validates the header's loader assembly name, so it must be a loadable name (never null).
        return new VersionInfo(ModelSignature, verWrittenCur: Version, verReadableCur: OldestReadable,
            verWeCanReadBack: OldestReadable, loaderAssemblyName: typeof(ModelFormat).Assembly.FullName,
            loaderSignature: LoaderSignature);
    }
}
