using Microsoft.ML;

namespace MLExtensions;

/// <summary>MLExtensions' data sets on <c>mlContext.Data</c>.</summary>
public static class DataOperationsCatalogExtensions
{
    /// <summary>
    /// Loads Fashion-MNIST: <c>Label</c> (class name) and <c>Features</c> (784 floats in [0,1], dimensions [1,28,28]).
    /// See <see cref="FashionMnist.Load"/> for where the data is looked for.
    /// </summary>
    public static FashionMnistData LoadFashionMnist(this DataOperationsCatalog catalog,
        FashionMnistSource source = FashionMnistSource.Auto, string? directory = null)
        => FashionMnist.Load(catalog, source, directory);

    /// <summary>
    /// Images in class sub-folders (<c>root/&lt;class&gt;/*.jpg</c>) as rows of <c>Label</c> and <c>ImagePath</c>; see <see cref="ImageFolder.FromClassFolders"/>.
    /// Follow with <c>LoadRawImageBytes</c> and train ImageCnn on the bytes with <c>ImageHeight</c>/<c>ImageWidth</c> set.
    /// </summary>
    public static IDataView LoadImagesFromFolder(this DataOperationsCatalog catalog, string root)
        => ImageFolder.FromClassFolders(catalog, root);

    /// <summary>Images listed in a CSV/TSV file of <c>path,label</c> lines; see <see cref="ImageFolder.FromList"/>.</summary>
    public static IDataView LoadImagesFromList(this DataOperationsCatalog catalog, string listFile, string? imageFolder = null)
        => ImageFolder.FromList(catalog, listFile, imageFolder);
}
