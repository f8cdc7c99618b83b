namespace MLExtensions.UnitTests;

/// <summary>Random RGBA pixels with one colour channel pushed up, so a tiny network can tell classes apart by colour.</summary>
internal static class TintedNoise
{
    /// <param name="channel">0 red, 1 green, 2 blue: the channel whose high bits <paramref name="tint"/> sets.</param>
    /// <param name="translucent">Alpha from 128 to 255 (random) instead of opaque.</param>
    internal static byte[] Rgba(Random random, int width, int height, int channel, byte tint, bool translucent = false)
    {
        var rgba = new byte[width * height * 4];
        random.NextBytes(rgba);
        for (int p = 0; p < width * height; p++)
        {
            rgba[4 * p + channel] |= tint;
            rgba[4 * p + 3] = translucent ? (byte)(128 + rgba[4 * p + 3] / 2) : (byte)255;
        }
        return rgba;
    }
}
