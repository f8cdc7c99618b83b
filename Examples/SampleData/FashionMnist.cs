using Microsoft.ML;
using MLExtensions.Data;

namespace MLExtensions;

/// <summary>
/// Fashion-MNIST (Zalando Research, MIT licence): 28×28 grey images of 10 kinds of clothing.
/// Rows have <c>Label</c> (the class name, text) and <c>Features</c> (784 floats in [0,1], dimensions [1,28,28]).
/// </summary>
public static class FashionMnist
{
    /// <summary>Environment variable naming a directory with the four IDX files.</summary>
    public const string DirectoryVariable = "FASHION_MNIST_DIR";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the data.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Height and width of every image: 28 pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>The ten class names, in label order (0 = T-shirt/top … 9 = Ankle boot).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The images' shape: [1, 28, 28] (grey).</summary>
    public static ImageShape Shape { get; } = new(1, ImageSize, ImageSize);

    /// <summary>
    /// Loads the training and test sets. The full set is looked for in <paramref name="directory"/>, then in
    /// <c>$FASHION_MNIST_DIR</c>, then in <see cref="DebianDirectory"/>; <see cref="FashionMnistSource.Auto"/>
    /// falls back to the shipped subset when none holds it.
    /// </summary>
    public static FashionMnistData Load(MLContext mlContext, FashionMnistSource source = FashionMnistSource.Auto, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return Load(mlContext.Data, source, directory);
    }

    /// <inheritdoc cref="Load(MLContext, FashionMnistSource, string?)"/>
    public static FashionMnistData Load(DataOperationsCatalog data, FashionMnistSource source = FashionMnistSource.Auto, string? directory = null)
        => Load(data, source, directory, DebianDirectory);

    internal static FashionMnistData Load(DataOperationsCatalog data, FashionMnistSource source, string? directory, string debianDirectory)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (source == FashionMnistSource.EmbeddedSubset)
            return LoadEmbedded(data);

        var found = FindFullSet(directory, debianDirectory);
        if (found is not null)
            return new FashionMnistData(
                Read(data, found, "train"), Read(data, found, "t10k"), found, isSubset: false);
        if (source == FashionMnistSource.Full)
            throw new FileNotFoundException(
                $"The full Fashion-MNIST data set was not found (looked in {string.Join(", ", Candidates(directory, debianDirectory))}). " +
                $"Install it with 'sudo apt-get install -y dataset-fashion-mnist' (Debian/Ubuntu), or set {DirectoryVariable} to a " +
                "directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.");
        return LoadEmbedded(data);
    }

    private static IEnumerable<string> Candidates(string? directory, string debianDirectory)
    {
        if (!string.IsNullOrWhiteSpace(directory))
            yield return directory;
        var configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            yield return configured;
        yield return debianDirectory;
    }

    private static string? FindFullSet(string? directory, string debianDirectory)
    {
        foreach (var candidate in Candidates(directory, debianDirectory))
        {
            var missing = FileNames.Where(name => FindFile(candidate, name) is null).ToArray();
            if (missing.Length == 0)
                return candidate;
            // A directory the caller named explicitly must hold the data: falling back silently would hide a typo.
            bool explicitlyNamed = candidate == directory || candidate == Environment.GetEnvironmentVariable(DirectoryVariable);
            if (explicitlyNamed)
                throw new FileNotFoundException($"Fashion-MNIST directory '{candidate}' lacks {string.Join(", ", missing)}.");
        }
        return null;
    }

    private static readonly string[] FileNames =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    private static string? FindFile(string directory, string name)
        => new[] { name + ".gz", name }.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    private static IDataView Read(DataOperationsCatalog data, string directory, string prefix)
        => Create(data,
            IdxFile.Read(FindFile(directory, $"{prefix}-images-idx3-ubyte")!),
            IdxFile.Read(FindFile(directory, $"{prefix}-labels-idx1-ubyte")!),
            Path.Combine(directory, prefix));

    private static FashionMnistData LoadEmbedded(DataOperationsCatalog data)
        => new(ReadEmbedded(data, "train"), ReadEmbedded(data, "t10k"), "embedded subset", isSubset: true);

    private static IDataView ReadEmbedded(DataOperationsCatalog data, string prefix)
        => Create(data,
            ReadResource($"{prefix}-images-idx3-ubyte.gz"),
            ReadResource($"{prefix}-labels-idx1-ubyte.gz"),
            $"embedded {prefix}");

    private static IdxFile.Contents ReadResource(string name)
    {
        using var stream = typeof(FashionMnist).Assembly.GetManifestResourceStream($"FashionMnistSubset.{name}")
            ?? throw new InvalidOperationException($"The embedded Fashion-MNIST subset file {name} is missing from {typeof(FashionMnist).Assembly.GetName().Name}.");
        return IdxFile.Read(stream, gzipped: true, name);
    }

    private static IDataView Create(DataOperationsCatalog data, IdxFile.Contents images, IdxFile.Contents labels, string description)
    {
        if (images.Dimensions is not [var count, ImageSize, ImageSize])
            throw new InvalidDataException($"{description}: expected images of {ImageSize}×{ImageSize}, found dimensions [{string.Join(", ", images.Dimensions)}].");
        if (labels.Dimensions is not [var labelCount] || labelCount != count)
            throw new InvalidDataException($"{description}: {count} images but labels of dimensions [{string.Join(", ", labels.Dimensions)}].");
        if (labels.Data.FirstOrDefault(l => l >= ClassNames.Count) is var bad && bad >= ClassNames.Count)
            throw new InvalidDataException($"{description}: label {bad} is outside the {ClassNames.Count} classes.");

        return data.LoadFromEnumerable(Rows(images.Data, labels.Data));
    }

    // Images stay as bytes; each cursor converts rows as it reads them.
    private static IEnumerable<FashionMnistImage> Rows(byte[] pixels, byte[] labels)
    {
        const int size = ImageSize * ImageSize;
        for (int i = 0; i < labels.Length; i++)
        {
            var features = new float[size];
            var source = pixels.AsSpan(i * size, size);
            for (int p = 0; p < size; p++)
                features[p] = source[p] / 255f;
            yield return new FashionMnistImage { Label = ClassNames[labels[i]], Features = features };
        }
    }
}
