using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLExtensions.MLNetInternals;

/// <summary>
/// The <see cref="IHostEnvironment"/> (the MLContext: seed, logging, cancellation) behind an ML.NET catalog,
/// which ML.NET exposes to its own components only.
/// </summary>
internal static class CatalogEnvironment
{
    internal static IHostEnvironment Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        MLNetVersionGuard.Ensure();
        return catalog is IInternalCatalog internalCatalog
            ? internalCatalog.Environment
            : throw new ArgumentException($"{catalog.GetType().Name} is not an ML.NET catalog of an MLContext.", nameof(catalog));
    }
}
