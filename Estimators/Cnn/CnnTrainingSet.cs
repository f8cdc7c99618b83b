using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Data;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Images (N×C×H×W floats, from float vectors or MLImage columns) and 0-based class indices read from a data view,
/// rows with a missing label left out.
/// </summary>
internal sealed class CnnTrainingSet
{
    private CnnTrainingSet(float[] images, long[] labels, int count, long skipped)
    {
        Images = images;
        Labels = labels;
        Count = count;
        SkippedRows = skipped;
    }

    /// <summary>Images, one after another; only the first <see cref="Count"/> are data (the arrays may be longer).</summary>
    public float[] Images { get; }

    /// <summary>0-based class indices; only the first <see cref="Count"/> are data.</summary>
    public long[] Labels { get; }

    public int Count { get; }
    public long SkippedRows { get; }

    /// <summary>How many different classes the labelled rows hold.</summary>
    public int ClassesPresent
    {
        get
        {
            var seen = new HashSet<long>();
            foreach (var label in Labels.AsSpan(0, Count))
                seen.Add(label);
            return seen.Count;
        }
    }

    internal static CnnTrainingSet Read(IDataView data, DataViewSchema.Column features, DataViewSchema.Column label,
        ImageShape shape, int classes, IHostEnvironment host, string role)
    {
        // One array of the right size (no per-row arrays, no second copy): it becomes the training tensor's storage.
        long rows = RowCount.Of(data);
        if (rows * shape.Size > Array.MaxLength)
            throw new InvalidOperationException($"The {role} data has {rows} images of {shape.Size} values, more than one array can hold.");
        var images = new float[rows * shape.Size];
        var labels = new long[rows];
        int count = 0;
        long skipped = 0, row = -1;
        uint key = 0;
        using (var cursor = data.GetRowCursor([features, label]))
        {
            var reader = ImageReader.Create(cursor, features, shape);
            var getLabel = cursor.GetGetter<uint>(label);
            while (cursor.MoveNext())
            {
                row++;
                if ((row & 1023) == 0)
                    HostServices.ThrowIfCancelled(host);
                if (row >= rows)
                    throw new InvalidOperationException($"The {role} data yielded more rows than the {rows} it counted; it must yield the same rows on every pass.");
                getLabel(ref key);
                if (key == 0 || key > classes)
                {
                    skipped++;
                    continue;
                }
                var image = images.AsSpan(count * shape.Size, shape.Size);
                reader.Read(image);
                int bad = FiniteValues.FirstNonFinite(image);
                if (bad >= 0)
                    throw new InvalidOperationException(
                        $"Column '{features.Name}' of the {role} data has a non-finite value ({image[bad]}) at row {row}, element {bad}.");
                labels[count++] = key - 1;
            }
        }
        return new CnnTrainingSet(images, labels, count, skipped);
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
        return new CnnTrainingSet(images, labels, indices.Count, 0);
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

    /// <summary>
    /// The images as an N×C×H×W tensor and the labels as a vector, on <paramref name="device"/>. On the CPU they share
    /// this set's arrays (pinned while the tensors live) instead of copying them.
    /// </summary>
    internal (Tensor Images, Tensor Labels) ToTensors(ImageShape shape, Device device)
    {
        using var scope = NewDisposeScope();
        var images = from_array(Images).narrow(0, 0, (long)Count * shape.Size).view(Count, shape.Channels, shape.Height, shape.Width).to(device);
        var labels = from_array(Labels).narrow(0, 0, Count).to(device);
        return (images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }
}
