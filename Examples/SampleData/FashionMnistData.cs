using Microsoft.ML;

namespace MLExtensions;

/// <summary>The training and test sets of Fashion-MNIST and where they came from.</summary>
public sealed class FashionMnistData
{
    internal FashionMnistData(IDataView train, IDataView test, string origin, bool isSubset)
    {
        Train = train;
        Test = test;
        Origin = origin;
        IsSubset = isSubset;
    }

    /// <summary>The training images (60,000 in the full set).</summary>
    public IDataView Train { get; }

    /// <summary>The test images (10,000 in the full set).</summary>
    public IDataView Test { get; }

    /// <summary>The directory the data was read from, or "embedded subset".</summary>
    public string Origin { get; }

    /// <summary>True when this is the shipped 2,000 + 1,000 image subset rather than the full set.</summary>
    public bool IsSubset { get; }
}
