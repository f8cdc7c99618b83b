namespace MLExtensions.Images;

internal static class FiniteValues
{
    /// <summary>Index of the first NaN or infinite value, or -1 when all are finite.</summary>
    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                return i;
        return -1;
    }
}
