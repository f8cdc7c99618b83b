using Microsoft.ML;

namespace MLExtensions;

/// <summary>The sample data sets on <c>mlContext.Data</c>.</summary>
public static class SampleDataCatalogExtensions
{
    /// <summary>
    /// Loads Fashion-MNIST: <c>Label</c> (class name) and <c>Features</c> (784 floats in [0,1], dimensions [1,28,28]).
    /// See <c>FashionMnist.Load</c> for where the data is looked for.
    /// </summary>
    public static FashionMnistData LoadFashionMnist(this DataOperationsCatalog catalog,
        FashionMnistSource source = FashionMnistSource.Auto, string? directory = null)
        => FashionMnist.Load(catalog, source, directory);
}
