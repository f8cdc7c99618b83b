using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;

namespace MLExtensions.Diagnostics;

/// <summary>One image as inspection sees it: its row, class, pixels (planar, [0,1] for 8-bit sources), statistics and hashes.</summary>
/// <param name="Thumbnail">16×16 grey block means, standardized (zero mean, unit deviation): what near-duplicates are compared by.</param>
internal sealed record InspectedImage(long Row, string Class, float[] Pixels, ImageShape Shape, double Brightness, double Contrast,
    ulong AverageHash, ulong ContentHash, float[] Thumbnail, long? FileBytes, string? Path);

/// <summary>Reads every labelled row of a data view as an <see cref="InspectedImage"/>, whatever holds the image.</summary>
internal static class InspectedImages
{
    internal static IEnumerable<InspectedImage> Read(IDataView data, DataInspectionOptions options)
    {
        var schema = data.Schema;
        var imageColumn = ImageColumn.Find(schema, options.ImageColumnName);
        var labelColumn = ImageColumn.Find(schema, options.LabelColumnName);
        var label = LabelReader(labelColumn);
        int size = options.InspectionSize;
        bool paths = imageColumn.Type is TextDataViewType;
        var shape = paths ? new ImageShape(3, size, size)
            : ImageColumn.Resolve(schema, imageColumn.Name, ImageColumn.HasBytes(imageColumn) ? new ImageShape(3, size, size) : null, allowMLImage: true, resizeImages: true).Shape;
        using var cursor = data.GetRowCursor([imageColumn, labelColumn]);
        var getClass = label(cursor);
        var getPath = paths ? cursor.GetGetter<ReadOnlyMemory<char>>(imageColumn) : null;
        var reader = paths ? null : ImageReader.Create(cursor, imageColumn, shape);
        var planes = new byte[BytePixels.StoredChannels * shape.PlaneSize];
        ReadOnlyMemory<char> path = default;
        while (cursor.MoveNext())
        {
            if (getClass() is not { } name)
                continue;
            var pixels = new float[shape.Size];
            long? bytes = null;
            string? file = null;
            if (getPath is not null)
            {
                getPath(ref path);
                file = path.ToString();
                var encoded = File.ReadAllBytes(file);
                bytes = encoded.Length;
                if (!EncodedImage.TryDecode(encoded, shape.Width, shape.Height, planes))
                    throw new UnreadableImageException(imageColumn.Name, cursor.Position);
                BytePixels.ToFloats(planes, shape.Channels, pixels);
            }
            else
                reader!.Read(pixels);
            yield return Describe(cursor.Position, name, pixels, shape, bytes, file);
        }
    }

    private static InspectedImage Describe(long row, string name, float[] pixels, ImageShape shape, long? bytes, string? path)
    {
        double mean = pixels.Average(p => (double)p);
        double deviation = Math.Sqrt(pixels.Average(p => (p - mean) * (p - mean)));
        return new InspectedImage(row, name, pixels, shape, mean, deviation, AverageHash(BlockMeans(pixels, shape, 8)), ContentHash(pixels),
            Standardized(BlockMeans(pixels, shape, 16)), bytes, path);
    }

    /// <summary>Root-mean-square difference of two standardized thumbnails (0: the same picture up to brightness and contrast).</summary>
    internal static double Distance(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(sum / a.Length);
    }

    // The grey image averaged over side×side blocks.
    private static double[] BlockMeans(float[] pixels, ImageShape shape, int side)
    {
        var blocks = new double[side * side];
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < shape.Height; y++)
                for (int x = 0; x < shape.Width; x++)
                    blocks[y * side / shape.Height * side + x * side / shape.Width] += pixels[c * shape.PlaneSize + y * shape.Width + x];
        return blocks;
    }

    // One bit per 8×8 block: above the blocks' mean or not.
    private static ulong AverageHash(double[] blocks)
    {
        double mean = blocks.Average();
        ulong hash = 0;
        for (int i = 0; i < 64; i++)
            if (blocks[i] > mean)
                hash |= 1UL << i;
        return hash;
    }

    private static float[] Standardized(double[] values)
    {
        double mean = values.Average();
        double deviation = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        return values.Select(v => deviation < 1e-12 ? 0f : (float)((v - mean) / deviation)).ToArray();
    }

    private static ulong ContentHash(float[] pixels)
        => BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan())));

    // The class name of the current row, or null when the label is missing.
    private static Func<DataViewRowCursor, Func<string?>> LabelReader(DataViewSchema.Column label)
    {
        if (label.Type is TextDataViewType)
            return cursor =>
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(label);
                ReadOnlyMemory<char> value = default;
                return () => { getter(ref value); return value.IsEmpty ? null : value.ToString(); };
            };
        if (label.Type is KeyDataViewType)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            bool named = label.HasKeyValues() && label.Annotations.Schema["KeyValues"].Type is VectorDataViewType { ItemType: TextDataViewType };
            if (named)
                label.GetKeyValues(ref names);
            var classes = named ? names.DenseValues().Select(n => n.ToString()).ToArray() : null;
            return cursor =>
            {
                var getter = cursor.GetGetter<uint>(label);
                uint key = 0;
                return () => { getter(ref key); return key == 0 ? null : classes?[key - 1] ?? $"key {key}"; };
            };
        }
        throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' must be text or a key type, but it is {label.Type}.");
    }
}
