using Microsoft.ML;

namespace MLExtensions;

/// <summary>
/// MLExtensions' image sources on <c>mlContext.Data</c> (the Fashion-MNIST sample is in MLExtensions.SampleData).
/// </summary>
public static class DataOperationsCatalogExtensions
{
    /// <summary>
    /// Images in class sub-folders (<c>root/&lt;class&gt;/*.jpg</c>) as rows of <c>Label</c> and <c>ImagePath</c>; see <c>ImageFolder.FromClassFolders</c>.
    /// Follow with <c>LoadRawImageBytes</c> and train ImageCnn on the bytes with <c>ImageHeight</c>/<c>ImageWidth</c> set.
    /// </summary>
    public static IDataView LoadImagesFromFolder(this DataOperationsCatalog catalog, string root)
        => ImageFolder.FromClassFolders(catalog, root);

    /// <summary>Images listed in a CSV/TSV file of <c>path,label</c> lines; see <c>ImageFolder.FromList</c>.</summary>
    public static IDataView LoadImagesFromList(this DataOperationsCatalog catalog, string listFile, string? imageFolder = null)
        => ImageFolder.FromList(catalog, listFile, imageFolder);
}
