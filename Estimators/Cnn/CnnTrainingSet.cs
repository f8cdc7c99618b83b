using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.MLNetInternals;

namespace MLExtensions.Cnn;

/// <summary>Images (N×C×H×W floats) and 0-based class indices read from a data view, rows with a missing label left out.</summary>
internal sealed class CnnTrainingSet
{
    private CnnTrainingSet(float[] images, long[] labels, long skipped)
    {
        Images = images;
        Labels = labels;
        SkippedRows = skipped;
    }

    public float[] Images { get; }
    public long[] Labels { get; }
    public int Count => Labels.Length;
    public long SkippedRows { get; }

    internal static CnnTrainingSet Read(IDataView data, DataViewSchema.Column features, DataViewSchema.Column label,
        ImageShape shape, int classes, IHostEnvironment host, string role)
    {
        var images = new List<float[]>();
        var labels = new List<long>();
        long skipped = 0, row = -1;
        var buffer = default(VBuffer<float>);
        uint key = 0;
        using (var cursor = data.GetRowCursor([features, label]))
        {
            var getImage = cursor.GetGetter<VBuffer<float>>(features);
            var getLabel = cursor.GetGetter<uint>(label);
            while (cursor.MoveNext())
            {
                row++;
                if ((row & 1023) == 0)
                    HostServices.ThrowIfCancelled(host);
                getLabel(ref key);
                if (key == 0 || key > classes)
                {
                    skipped++;
                    continue;
                }
                getImage(ref buffer);
                var image = new float[shape.Size];
                buffer.CopyTo(image);
                int bad = Array.FindIndex(image, v => !float.IsFinite(v));
                if (bad >= 0)
                    throw new InvalidOperationException(
                        $"Column '{features.Name}' of the {role} data has a non-finite value ({image[bad]}) at row {row}, element {bad}.");
                images.Add(image);
                labels.Add(key - 1);
            }
        }
        var flat = new float[images.Count * shape.Size];
        for (int i = 0; i < images.Count; i++)
            images[i].CopyTo(flat, i * shape.Size);
        return new CnnTrainingSet(flat, labels.ToArray(), skipped);
    }

    /// <summary>The rows at <paramref name="indices"/>, as a new set.</summary>
    internal CnnTrainingSet Subset(IReadOnlyList<int> indices, int imageSize)
    {
        var images = new float[indices.Count * imageSize];
        var labels = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Images, (long)indices[i] * imageSize, images, (long)i * imageSize, imageSize);
            labels[i] = Labels[indices[i]];
        }
        return new CnnTrainingSet(images, labels, 0);
    }

    /// <summary>
    /// Splits off a stratified validation set: the same fraction of every class, chosen with <paramref name="random"/>.
    /// </summary>
    internal (CnnTrainingSet Train, CnnTrainingSet Validation) SplitStratified(double fraction, Random random, int imageSize)
    {
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var group in Enumerable.Range(0, Count).GroupBy(i => Labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            int take = (int)Math.Round(members.Length * fraction);
            validation.AddRange(members.Take(take));
            train.AddRange(members.Skip(take));
        }
        train.Sort();
        validation.Sort();
        return (Subset(train, imageSize), Subset(validation, imageSize));
    }
}
