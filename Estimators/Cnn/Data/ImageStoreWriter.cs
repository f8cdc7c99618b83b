using System.Runtime.InteropServices;
using MLExtensions.Images;

namespace MLExtensions.Cnn;

/// <summary>
/// Fills an <see cref="ImageStore"/> row by row: into memory when all rows fit the budget, else into a disk cache.
/// </summary>
internal abstract class ImageStoreWriter : IDisposable
{
    protected ImageStoreWriter(ImageShape shape, ImageRowFormat format) => (Shape, Format) = (shape, format);

    protected ImageShape Shape { get; }
    protected ImageRowFormat Format { get; }
    protected int Count { get; private set; }

    /// <summary>A writer for at most <paramref name="rows"/> rows: in memory when they fit <paramref name="budgetBytes"/>, else on disk in <paramref name="directory"/>.</summary>
    internal static ImageStoreWriter Create(ImageShape shape, ImageRowFormat format, long rows, long budgetBytes, string directory)
        => rows * format.RowBytes <= Math.Min(budgetBytes, Array.MaxLength)
            ? new MemoryWriter(shape, format, rows)
            : new DiskWriter(shape, format, directory);

    /// <summary>The next row's storage, to fill before <see cref="Commit"/>.</summary>
    internal abstract Span<byte> NextRow();

    /// <summary>The next row's storage as floats (for a float format).</summary>
    internal Span<float> NextFloatRow() => MemoryMarshal.Cast<byte, float>(NextRow());

    internal virtual void Commit() => Count++;

    /// <summary>The store of the committed rows; the writer is spent.</summary>
    internal abstract ImageStore Complete();

    public virtual void Dispose()
    {
    }

    private sealed class MemoryWriter(ImageShape shape, ImageRowFormat format, long rows) : ImageStoreWriter(shape, format)
    {
        private readonly float[]? _floats = format.IsBytes ? null : new float[rows * format.Values];
        private readonly byte[]? _bytes = format.IsBytes ? new byte[rows * format.Values] : null;

        internal override Span<byte> NextRow() => _bytes is not null
            ? _bytes.AsSpan(Count * Format.Values, Format.Values)
            : MemoryMarshal.AsBytes(_floats.AsSpan(Count * Format.Values, Format.Values));

        internal override ImageStore Complete() => _bytes is not null
            ? MemoryImageStore.OfBytes(Shape, _bytes, Count)
            : MemoryImageStore.OfFloats(Shape, _floats!, Count);
    }

    private sealed class DiskWriter : ImageStoreWriter
    {
        private readonly byte[] _row;
        private readonly string _path;
        private FileStream? _file;

        internal DiskWriter(ImageShape shape, ImageRowFormat format, string directory) : base(shape, format)
        {
            Directory.CreateDirectory(directory);
            _path = Path.Combine(directory, $"mlextensions-images-{Guid.NewGuid():N}.bin");
            _file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
            _row = new byte[format.RowBytes];
        }

        internal override Span<byte> NextRow() => _row;

        internal override void Commit()
        {
            _file!.Write(_row);
            base.Commit();
        }

        internal override ImageStore Complete()
        {
            _file!.Flush();
            var store = new DiskImageStore(Shape, Format, Count, _file, _path);
            _file = null; // the store owns the file now
            return store;
        }

        public override void Dispose() => _file?.Dispose();
    }
}
