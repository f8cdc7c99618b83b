namespace MLExtensions.UnitTests;

internal static class TestAssert
{
    /// <summary>Asserts that an error message contains every one of <paramref name="parts"/>.</summary>
    internal static void MessageContains(Exception e, params string[] parts)
    {
        foreach (var part in parts)
            StringAssert.Contains(e.Message, part, $"message: {e.Message}");
    }
}
