using MLExtensions.Randomness;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ReproducibleRandomTests
{
    private static readonly int[] Seeds = [0, 1, 7, -5, 12345, int.MaxValue, int.MinValue];

    [TestMethod]
    public void DrawsExactlyWhatSystemRandomDrawsWithTheSameSeed()
    {
        foreach (int seed in Seeds)
        {
            var expected = new Random(seed);
            var actual = new ReproducibleRandom(seed);
            var chooser = new Random(seed ^ 0x5bd1e995);
            for (int i = 0; i < 20_000; i++)
            {
                int method = chooser.Next(9);
                Assert.AreEqual(Draw(expected, method, i), Draw(actual, method, i), $"seed {seed}, draw {i}, method {method}");
            }
        }
    }

    [TestMethod]
    public void ShufflesExactlyLikeSystemRandom()
    {
        foreach (int seed in Seeds)
        {
            var expected = Enumerable.Range(0, 1000).ToArray();
            var actual = (int[])expected.Clone();
            var reference = new Random(seed);
            var reproducible = new ReproducibleRandom(seed);
            for (int pass = 0; pass < 5; pass++)
            {
                reference.Shuffle(expected);
                reproducible.Shuffle(actual);
                CollectionAssert.AreEqual(expected, actual, $"seed {seed}, pass {pass}");
            }
        }
    }

    [TestMethod]
    public void ARestoredStateContinuesTheSameSequence()
    {
        var original = new ReproducibleRandom(42);
        for (int i = 0; i < 777; i++)
            original.NextDouble();
        var state = original.GetState();
        var restored = new ReproducibleRandom(99);
        restored.SetState(state);
        for (int i = 0; i < 1000; i++)
            Assert.AreEqual(original.NextInt64(1L << 40), restored.NextInt64(1L << 40), $"draw {i}");
        Assert.ThrowsExactly<InvalidDataException>(() => restored.SetState(new byte[10]));
    }

    // Every draw as its exact bits, so no value is rounded before comparing.
    private static long Draw(Random random, int method, int i) => method switch
    {
        0 => random.Next(),
        1 => random.Next(1 + i % 1000),
        2 => random.Next(-i, i + 3),
        3 => random.Next(int.MinValue, int.MaxValue),
        4 => BitConverter.DoubleToInt64Bits(random.NextDouble()),
        5 => BitConverter.SingleToInt32Bits(random.NextSingle()),
        6 => random.NextInt64(1 + (long)i * 1_000_003),
        7 => random.NextInt64(-5, 1L << (i % 62)),
        _ => random.NextInt64(),
    };
}
