using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Data;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>
/// Lists image files with their labels as a data view of <c>Label</c> (text) and <c>ImagePath</c> (full path), for
/// <c>LoadRawImageBytes</c> (then ImageCnn with ImageHeight/ImageWidth) or <c>LoadImages</c> + <c>ResizeImages</c>.
/// Files whose extension is not an image's are left out and counted in the log; rows are sorted, so the listing is
/// the same on every machine.
/// </summary>
public static class ImageFolder
{
    /// <summary>
    /// The extensions read as images (case-insensitive): what SkiaSharp and ML.NET's image loader decode.
    /// </summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    /// <summary>The column holding each image's label: the name of the folder it is in.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>The column holding each image's full path.</summary>
    public const string ImagePathColumnName = ImageColumn.PathColumnName;

    /// <summary>One row: the class name and the image file.</summary>
    public sealed class Row
    {
        /// <summary>The image's class: the name of its folder.</summary>
        public string Label { get; set; } = "";

        /// <summary>The image file's full path.</summary>
        public string ImagePath { get; set; } = "";
    }

    /// <summary>
    /// <paramref name="root"/>/&lt;class&gt;/…/image: one class per sub-folder (its name is the label; images in
    /// deeper folders belong to it), classes and files in ordinal order. Files directly in the root are not labelled
    /// and are left out with a warning. Symbolic links to folders are followed once per real folder (a link loop is
    /// not followed, with a warning naming it); a class folder without images is named in a warning, and its class
    /// is absent from the data.
    /// </summary>
    public static IDataView FromClassFolders(MLContext mlContext, string root) => FromClassFolders(mlContext?.Data!, root);

    /// <inheritdoc cref="FromClassFolders(MLContext, string)"/>
    public static IDataView FromClassFolders(DataOperationsCatalog data, string root)
    {
        ArgumentNullException.ThrowIfNull(data);
        var directory = ExistingDirectory(root, nameof(root));
        var env = CatalogEnvironment.Of(data);
        var rows = new List<Row>();
        var ignored = new List<string>();
        var empty = new List<string>();
        var walk = new FolderWalk();
        foreach (var classFolder in directory.EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            int before = rows.Count;
            foreach (var file in walk.FilesUnder(classFolder).OrderBy(f => f.FullName, StringComparer.Ordinal))
                if (IsImage(file.Name))
                    rows.Add(new Row { Label = classFolder.Name, ImagePath = file.FullName });
                else
                    ignored.Add(file.FullName);
            if (rows.Count == before)
                empty.Add(classFolder.Name);
        }
        var unlabelled = directory.EnumerateFiles().Where(f => IsImage(f.Name)).Select(f => f.Name).ToArray();
        using var channel = env.Start(nameof(ImageFolder));
        if (unlabelled.Length > 0)
            channel.Warning(MessageSensitivity.None, $"ImageFolder: left out {unlabelled.Length} images directly in '{root}' (not in a class sub-folder): {NameSample.Of(unlabelled)}.");
        if (walk.SkippedLinks.Count > 0)
            channel.Warning(MessageSensitivity.None, $"ImageFolder: did not follow {walk.SkippedLinks.Count} symbolic links to folders already listed " +
                $"(a link loop, or a second link to one folder), so no image is listed twice: {NameSample.Of(walk.SkippedLinks)}.");
        if (empty.Count > 0)
            channel.Warning(MessageSensitivity.None, $"ImageFolder: {empty.Count} class folders hold no images, so their classes are absent from the data " +
                $"and from any model trained on it: {NameSample.Of(empty)}.");
        return Finish(data, channel, rows, ignored, root);
    }

    /// <summary>
    /// A CSV (comma) or TSV (tab) file of <c>path,label</c> lines, optionally under a <c>path,label</c> header;
    /// relative paths are relative to <paramref name="imageFolder"/> (default: the list's folder).
    /// </summary>
    public static IDataView FromList(MLContext mlContext, string listFile, string? imageFolder = null) => FromList(mlContext?.Data!, listFile, imageFolder);

    /// <inheritdoc cref="FromList(MLContext, string, string?)"/>
    public static IDataView FromList(DataOperationsCatalog data, string listFile, string? imageFolder = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!File.Exists(listFile))
            throw new FileNotFoundException($"The image list '{listFile}' does not exist.", listFile);
        var folder = imageFolder ?? Path.GetDirectoryName(Path.GetFullPath(listFile))!;
        var env = CatalogEnvironment.Of(data);
        var rows = new List<Row>();
        var ignored = new List<string>();
        int number = 0;
        foreach (var line in File.ReadLines(listFile))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = line.Split(line.Contains('\t') ? '\t' : ',');
            if (fields.Length != 2)
                throw new InvalidDataException($"Line {number} of '{listFile}' has {fields.Length} fields; expected 2 (path and label, separated by a comma or a tab): '{line}'.");
            var (path, label) = (fields[0].Trim(), fields[1].Trim());
            if (number == 1 && path.Equals("path", StringComparison.OrdinalIgnoreCase) && label.Equals("label", StringComparison.OrdinalIgnoreCase))
                continue;
            var full = Path.GetFullPath(path, folder);
            if (!File.Exists(full))
                throw new FileNotFoundException($"Line {number} of '{listFile}' names '{path}', which does not exist (looked for '{full}').", full);
            if (IsImage(full))
                rows.Add(new Row { Label = label, ImagePath = full });
            else
                ignored.Add(full);
        }
        using var channel = env.Start(nameof(ImageFolder));
        return Finish(data, channel, rows, ignored, listFile);
    }

    private static IDataView Finish(DataOperationsCatalog data, IChannel channel, List<Row> rows, List<string> ignored, string source)
    {
        if (ignored.Count > 0)
            channel.Warning(MessageSensitivity.None, $"ImageFolder: ignored {ignored.Count} files in '{source}' that are not images ({string.Join(", ", ImageExtensions)}): {NameSample.Of(ignored)}.");
        if (rows.Count == 0)
            throw new InvalidDataException($"'{source}' lists no image files ({string.Join(", ", ImageExtensions)})" +
                (ignored.Count > 0 ? $"; {ignored.Count} other files were ignored." : "."));
        channel.Info(MessageSensitivity.None, $"ImageFolder: {rows.Count} images of {rows.Select(r => r.Label).Distinct().Count()} classes from '{source}'.");
        return data.LoadFromEnumerable(rows);
    }

    private static DirectoryInfo ExistingDirectory(string root, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(root, parameter);
        var directory = new DirectoryInfo(root);
        return directory.Exists ? directory : throw new DirectoryNotFoundException($"The image folder '{root}' does not exist.");
    }

    private static bool IsImage(string name) => ImageExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase);
}
