namespace MLExtensions.UnitTests;

/// <summary>An enumerable that makes its items anew on every pass (ML.NET disposes the MLImages it has read).</summary>
internal sealed class Reiterable<T>(Func<IEnumerable<T>> make) : IEnumerable<T>
{
    public IEnumerator<T> GetEnumerator() => make().GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
