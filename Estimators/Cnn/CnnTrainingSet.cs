using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Data;
using MLExtensions.Images;
using MLExtensions.MLNetInternals;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Labelled images read from a data view: 0-based class indices in memory, the images in an <see cref="ImageStore"/>
/// (in memory or on disk, by the memory budget), rows with a missing label left out. Subsets share the store.
/// </summary>
internal sealed class CnnTrainingSet : IDisposable
{
    private readonly long[] _storeRows;

    private CnnTrainingSet(ImageStore store, long[] storeRows, long[] labels, long skipped)
    {
        Store = store;
        _storeRows = storeRows;
        Labels = labels;
        SkippedRows = skipped;
    }

    public ImageStore Store { get; }

    /// <summary>0-based class index of every row.</summary>
    public long[] Labels { get; }

    public int Count => Labels.Length;
    public long SkippedRows { get; }

    /// <summary>How many different classes the rows hold.</summary>
    public int ClassesPresent => Labels.Distinct().Count();

    /// <summary>The store rows of this set's <paramref name="rows"/>.</summary>
    internal long[] StoreRows(ReadOnlySpan<long> rows)
    {
        var storeRows = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
            storeRows[i] = _storeRows[rows[i]];
        return storeRows;
    }

    /// <summary>The store rows of this set's rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>.</summary>
    internal long[] StoreRows(long start, int count) => _storeRows.AsSpan((int)start, count).ToArray();

    /// <summary>Rows left out because their image could not be decoded (their files, or "row N"), with <c>SkipUnreadableImages</c>.</summary>
    public IReadOnlyList<string> UnreadableImages { get; private init; } = [];

    /// <summary>Rows left out because their image holds a NaN or infinite value (their files, or "row N"), with <c>SkipNonFiniteImages</c>.</summary>
    public IReadOnlyList<string> NonFiniteImages { get; private init; } = [];

    /// <summary>
    /// Reads the labelled rows of <paramref name="data"/>, as 8-bit planes when the images are 8-bit; encoded images
    /// are decoded (on several threads) and resized to <paramref name="shape"/> once, here.
    /// </summary>
    internal static CnnTrainingSet Read(IDataView data, DataViewSchema.Column features, DataViewSchema.Column label,
        ImageShape shape, int classes, CnnTrainingOptions options, IHostEnvironment host, string role)
    {
        long rows = RowCount.Of(data);
        var format = ImageRowFormat.For(shape, bytes: ImageColumn.HasBytes(features));
        using var writer = ImageStoreWriter.Create(shape, format, rows, options.DataCacheBytes, options.DataCacheDirectory ?? Path.GetTempPath());
        var labels = new List<long>();
        var unreadable = new List<string>();
        var nonFinite = new List<string>();
        long skipped = 0, row = -1;
        uint key = 0;
        // The folder loader's path column, when the data has it, names each row's file in errors.
        var path = ImageColumn.PathColumn(data.Schema);
        using (var cursor = data.GetRowCursor(path is { } p ? [features, label, p] : [features, label]))
        {
            var reader = ImageReader.Create(cursor, features, shape);
            var getLabel = cursor.GetGetter<uint>(label);
            var encoded = ImageColumn.IsEncoded(features) ? new EncodedImageBatch(shape, capacity: 256, options.PrefetchWorkers) : null;
            var getEncoded = encoded is null ? null : cursor.GetGetter<VBuffer<byte>>(features);
            VBuffer<byte> bytes = default;

            void Take(long at, long classIndex, string? name, ReadOnlySpan<byte> planes, bool readable)
            {
                if (!readable && !options.SkipUnreadableImages)
                    throw new UnreadableImageException(features.Name, at, name);
                if (!readable)
                    unreadable.Add(name ?? $"row {at}");
                else
                {
                    planes.CopyTo(writer.NextRow());
                    writer.Commit();
                    labels.Add(classIndex);
                }
            }

            while (cursor.MoveNext())
            {
                row++;
                if ((row & 1023) == 0)
                {
                    HostServices.ThrowIfCancelled(host);
                    options.CancellationToken.ThrowIfCancellationRequested();
                }
                if (row >= rows)
                    throw new InvalidOperationException($"The {role} data yielded more rows than the {rows} it counted; it must yield the same rows on every pass.");
                getLabel(ref key);
                if (key == 0 || key > classes)
                {
                    skipped++;
                    continue;
                }
                if (encoded is not null)
                {
                    getEncoded!(ref bytes);
                    encoded.Add(bytes, row, key - 1, reader.File());
                    if (encoded.IsFull)
                        encoded.Decode(Take);
                    continue;
                }
                if (format.IsBytes)
                    reader.ReadBytes(writer.NextRow());
                else if (!ReadFiniteFloats(reader, writer.NextFloatRow(), features.Name, role, row, options.SkipNonFiniteImages, nonFinite))
                    continue;
                writer.Commit();
                labels.Add(key - 1);
            }
            encoded?.Decode(Take);
        }
        var store = writer.Complete();
        return new CnnTrainingSet(store, Enumerable.Range(0, labels.Count).Select(i => (long)i).ToArray(), labels.ToArray(), skipped)
        {
            UnreadableImages = unreadable,
            NonFiniteImages = nonFinite,
        };
    }

    /// <returns>False when the image holds a NaN or infinite value and <paramref name="skip"/> says to leave it out (named in <paramref name="skipped"/>).</returns>
    private static bool ReadFiniteFloats(ImageReader reader, Span<float> image, string column, string role, long row, bool skip, List<string> skipped)
    {
        reader.Read(image);
        int bad = FiniteValues.FirstNonFinite(image);
        if (bad < 0)
            return true;
        if (!skip)
            throw InvalidImageInputException.NonFinite(column, role, row, reader.File(), bad, image[bad]);
        skipped.Add(reader.File() ?? $"row {row}");
        return false;
    }

    /// <summary>The rows at <paramref name="indices"/>, as a new set sharing the store.</summary>
    internal CnnTrainingSet Subset(IReadOnlyList<int> indices)
        => new(Store.Share(), indices.Select(i => _storeRows[i]).ToArray(), indices.Select(i => Labels[i]).ToArray(), 0);

    /// <summary>
    /// Splits off a stratified validation set: the same fraction of every class, chosen with <paramref name="random"/>.
    /// </summary>
    internal (CnnTrainingSet Train, CnnTrainingSet Validation) SplitStratified(double fraction, Random random)
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
        return (Subset(train), Subset(validation));
    }

    /// <summary>The labels as a vector on <paramref name="device"/>, in the caller's dispose scope.</summary>
    internal Tensor LabelTensor(Device device) => tensor(Labels).to(device);

    public void Dispose() => Store.Dispose();
}
