using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

/// <summary>The embedded Fashion-MNIST subset as 3×28×28 colour images (grey scaled per channel), labels as keys.</summary>
internal sealed class ColourFashionMnist
{
    internal const int Size = FashionMnist.ImageSize;

    internal sealed class Image
    {
        public string Label { get; set; } = "";

        [VectorType(3, Size, Size)]
        public float[] Features { get; set; } = [];
    }

    private static readonly Lazy<ColourFashionMnist> Shared = new(() => new ColourFashionMnist());

    internal static ColourFashionMnist Instance => Shared.Value;

    private ColourFashionMnist()
    {
        Ml = new MLContext(seed: 1);
        var data = Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var train = Ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, reuseRowObject: false)
            .GroupBy(r => r.Label).SelectMany(g => g.Take(24)).Select(Colour).ToArray();
        var test = Ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).Take(200).Select(Colour).ToArray();
        var trainView = Ml.Data.LoadFromEnumerable(train);
        var keys = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainView);
        Train = keys.Transform(trainView);
        Test = keys.Transform(Ml.Data.LoadFromEnumerable(test));
        ClassNames = ReadClassNames(Train);
    }

    public MLContext Ml { get; }

    /// <summary>24 images of each of the ten classes.</summary>
    public IDataView Train { get; }
    public IDataView Test { get; }

    /// <summary>The label's key values, in key order.</summary>
    public string[] ClassNames { get; }

    /// <summary>
    /// All of <paramref name="grey"/>'s images (e.g. the embedded subset's 2,000) in colour, enlarged (nearest
    /// neighbour) to <paramref name="side"/>×<paramref name="side"/> for ImageNet networks, which downsample 32×;
    /// labels as text.
    /// </summary>
    internal static IDataView InColour(MLContext ml, IDataView grey, int side = Size)
    {
        var images = ml.Data.CreateEnumerable<FashionMnistImage>(grey, reuseRowObject: false)
            .Select(g => new { g.Label, Features = Enlarged(Colour(g).Features, side) }).ToArray();
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(images[0].GetType());
        schema["Features"].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, 3, side, side);
        return ml.Data.LoadFromEnumerable(images, schema);
    }

    private static float[] Enlarged(float[] planes, int side)
    {
        if (side == Size)
            return planes;
        var enlarged = new float[3 * side * side];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    enlarged[(c * side + y) * side + x] = planes[(c * Size + y * Size / side) * Size + x * Size / side];
        return enlarged;
    }

    private static Image Colour(FashionMnistImage grey)
    {
        var pixels = grey.Features;
        var colour = new float[3 * pixels.Length];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < pixels.Length; i++)
                colour[c * pixels.Length + i] = pixels[i] * (1 - 0.2f * c);
        return new Image { Label = grey.Label, Features = colour };
    }

    private static string[] ReadClassNames(IDataView data)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        data.Schema["Label"].GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }
}
