using System.Globalization;
using System.Numerics;
using System.Text;
using Microsoft.ML;
using MLExtensions.Diagnostics;

namespace MLExtensions;

/// <summary>
/// Looks at the data before training (training checklist §1): random images of every class, the extremes (darkest,
/// brightest, lowest and highest contrast, and for files the smallest and largest), class counts, nearly uniform
/// images, and exact or near duplicates between these images and another set (e.g. train against test), with a short
/// text summary and, when asked, PNG grids.
/// </summary>
public static class DataInspection
{
    private const double UniformContrast = 0.01;

    /// <summary>
    /// Looks at the data before training: class counts and balance, image sizes, duplicates, unreadable files, and
    /// sample grids per class.
    /// </summary>
    /// <param name="data">Labelled images (an image folder's data view, or any view with the configured
    /// columns).</param>
    /// <param name="options">Columns, sample counts and output folder; null: the defaults.</param>
    public static DataInspectionReport Inspect(IDataView data, DataInspectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new DataInspectionOptions();
        var counts = new Dictionary<string, int>();
        var samples = new Dictionary<string, List<InspectedImage>>();
        var extremes = ExtremeFinders(options.ExtremeCount);
        var hashes = new List<ImageKey>();
        var random = new Random(options.Seed);
        int uniform = 0;
        foreach (var image in InspectedImages.Read(data, options))
        {
            int seen = counts[image.Class] = counts.GetValueOrDefault(image.Class) + 1;
            Sample(samples, image, seen, options.ImagesPerClass, random);
            foreach (var finder in extremes)
                finder.Offer(image);
            hashes.Add(new ImageKey(image.Row, image.Class, image.AverageHash, image.ContentHash, image.Thumbnail));
            if (image.Contrast < UniformContrast)
                uniform++;
        }
        var duplicates = options.CompareWith is { } other ? Duplicates(hashes, other, options) : [];
        var found = extremes.Where(f => f.Count > 0).ToDictionary(f => f.Name, f => f.Result());
        var files = options.OutputDirectory is { } directory ? WriteGrids(directory, samples, found, options) : [];
        var ordered = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Value);
        return new DataInspectionReport(ordered, found.ToDictionary(f => f.Key, f => (IReadOnlyList<ImageExtreme>)f.Value.Select(e => e.Extreme).ToList()),
            duplicates, uniform, files, Summarise(ordered, found, duplicates, uniform, options));
    }

    private static void Sample(Dictionary<string, List<InspectedImage>> samples, InspectedImage image, int seen, int perClass, Random random)
    {
        var kept = samples.TryGetValue(image.Class, out var list) ? list : samples[image.Class] = [];
        if (kept.Count < perClass)
            kept.Add(image);
        else if (random.Next(seen) is var slot && slot < perClass)
            kept[slot] = image;
    }

    private static List<ExtremeFinder> ExtremeFinders(int count) =>
    [
        new("darkest", i => i.Brightness, largest: false, count),
        new("brightest", i => i.Brightness, largest: true, count),
        new("lowest contrast", i => i.Contrast, largest: false, count),
        new("highest contrast", i => i.Contrast, largest: true, count),
        new("smallest files", i => i.FileBytes, largest: false, count),
        new("largest files", i => i.FileBytes, largest: true, count),
    ];

    /// <summary>What duplicate search keeps of an image.</summary>
    private sealed record ImageKey(long Row, string Class, ulong Average, ulong Content, float[] Thumbnail);

    // Exact: the same pixels. Near: average hashes within a few bits (a cheap first filter), then standardized 16×16
    // thumbnails within NearDuplicateDistance (the hash alone matches most look-alike garments of a class).
    private static List<ImageDuplicate> Duplicates(List<ImageKey> mine, IDataView other, DataInspectionOptions options)
    {
        var theirs = InspectedImages.Read(other, options).Select(i => new ImageKey(i.Row, i.Class, i.AverageHash, i.ContentHash, i.Thumbnail)).ToList();
        var found = new List<ImageDuplicate>();
        foreach (var a in mine)
            foreach (var b in theirs)
            {
                bool exact = a.Content == b.Content;
                int bits = BitOperations.PopCount(a.Average ^ b.Average);
                if (exact || bits <= options.NearDuplicateBits && InspectedImages.Distance(a.Thumbnail, b.Thumbnail) <= options.NearDuplicateDistance)
                    found.Add(new ImageDuplicate(a.Row, a.Class, b.Row, b.Class, exact, bits));
            }
        return found;
    }

    private static List<string> WriteGrids(string directory, Dictionary<string, List<InspectedImage>> samples,
        Dictionary<string, List<(InspectedImage Image, ImageExtreme Extreme)>> extremes, DataInspectionOptions options)
    {
        Directory.CreateDirectory(directory);
        int columns = Math.Max(options.ImagesPerClass, options.ExtremeCount);
        var sampleTiles = samples.OrderBy(s => s.Key, StringComparer.Ordinal)
            .SelectMany(s => Enumerable.Range(0, columns).Select(i => i < s.Value.Count ? Tile(s.Value[i], s.Key, $"row {s.Value[i].Row}") : null))
            .ToList();
        var extremeTiles = extremes
            .SelectMany(e => Enumerable.Range(0, columns).Select(i => i < e.Value.Count
                ? Tile(e.Value[i].Image, e.Key, $"{Format(e.Value[i].Extreme.Value, e.Key)} {e.Value[i].Image.Class}")
                : null))
            .ToList();
        var samplesPath = Path.Combine(directory, "samples.png");
        var extremesPath = Path.Combine(directory, "extremes.png");
        ImageGrid.SavePng(sampleTiles, samplesPath, columns);
        ImageGrid.SavePng(extremeTiles, extremesPath, columns);
        return [samplesPath, extremesPath];
    }

    private static (float[], ImageShape, string, string, bool)? Tile(InspectedImage image, string line1, string line2)
        => (image.Pixels, image.Shape, line1, line2, false);

    private static string Format(double value, string measure)
        => measure.EndsWith("files", StringComparison.Ordinal) ? $"{value / 1024:F1} KB" : value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Summarise(IReadOnlyDictionary<string, int> counts, Dictionary<string, List<(InspectedImage Image, ImageExtreme Extreme)>> extremes,
        List<ImageDuplicate> duplicates, int uniform, DataInspectionOptions options)
    {
        var text = new StringBuilder();
        int total = counts.Values.Sum();
        text.Append(CultureInfo.InvariantCulture, $"{total:N0} images in {counts.Count} classes: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value:N0}"))}");
        if (counts.Count > 1)
        {
            double ratio = counts.Values.Max() / (double)counts.Values.Min();
            text.Append(CultureInfo.InvariantCulture, $" (most/least frequent {ratio:F1}×{(ratio > 3 ? ": imbalanced, consider class weights or resampling" : "")})");
        }
        text.AppendLine(".");
        AppendRange(text, extremes, "darkest", "brightest", "brightness (mean pixel)");
        AppendRange(text, extremes, "lowest contrast", "highest contrast", "contrast (pixel standard deviation)");
        AppendRange(text, extremes, "smallest files", "largest files", "file size");
        if (uniform > 0)
            text.AppendLine(CultureInfo.InvariantCulture, $"{uniform:N0} images are nearly uniform (pixel standard deviation below {UniformContrast}): blank or broken images?");
        if (options.CompareWith is not null)
        {
            int exact = duplicates.Count(d => d.Exact);
            text.Append(CultureInfo.InvariantCulture, $"Against the compared data: {exact:N0} exact and {duplicates.Count - exact:N0} near duplicates (standardized 16×16 thumbnails within {options.NearDuplicateDistance})");
            text.AppendLine(duplicates.Count == 0 ? "." : $", e.g. {string.Join("; ", duplicates.Take(3).Select(d => $"row {d.Row} ({d.Class}) ~ row {d.OtherRow} ({d.OtherClass})"))}.");
        }
        return text.ToString().TrimEnd();
    }

    private static void AppendRange(StringBuilder text, Dictionary<string, List<(InspectedImage Image, ImageExtreme Extreme)>> extremes, string low, string high, string what)
    {
        if (!extremes.TryGetValue(low, out var lows) || !extremes.TryGetValue(high, out var highs))
            return;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{char.ToUpperInvariant(what[0])}{what[1..]} from {Format(lows[0].Extreme.Value, low)} (row {lows[0].Extreme.Row}, {lows[0].Extreme.Class}) to {Format(highs[0].Extreme.Value, high)} (row {highs[0].Extreme.Row}, {highs[0].Extreme.Class}).");
    }

    /// <summary>Keeps the <c>count</c> images with the smallest or largest value of a measure.</summary>
    private sealed class ExtremeFinder(string name, Func<InspectedImage, double?> measure, bool largest, int count)
    {
        private readonly PriorityQueue<InspectedImage, double> _kept = new();

        public string Name => name;
        public int Count => _kept.Count;

        public void Offer(InspectedImage image)
        {
            if (measure(image) is not double value || count <= 0)
                return;
            double priority = largest ? value : -value;  // the queue drops its least extreme first
            if (_kept.Count < count)
                _kept.Enqueue(image, priority);
            else if (_kept.TryPeek(out _, out double least) && priority > least)
                _kept.DequeueEnqueue(image, priority);
        }

        public List<(InspectedImage Image, ImageExtreme Extreme)> Result()
            => _kept.UnorderedItems.OrderByDescending(i => i.Priority)
                .Select(i => (i.Element, new ImageExtreme(i.Element.Row, i.Element.Class, measure(i.Element)!.Value, i.Element.Path))).ToList();
    }
}
