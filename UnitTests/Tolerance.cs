using System.Collections;

namespace MLExtensions.UnitTests;

/// <summary>Compares floats as equal within an absolute tolerance, for CollectionAssert.</summary>
internal sealed class Tolerance(float epsilon) : IComparer
{
    public int Compare(object? x, object? y)
    {
        float a = (float)x!, b = (float)y!;
        return Math.Abs(a - b) <= epsilon ? 0 : a.CompareTo(b);
    }
}
