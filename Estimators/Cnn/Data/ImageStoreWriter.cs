using System.Runtime.InteropServices;
using MLExtensions.Images;
using static TorchSharp.torch;

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
        => rows * format.RowBytes <= budgetBytes
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

    // Native (tensor) memory rather than a .NET array, so a store can pass 2 GB; it is written through row-block views.
    private sealed class MemoryWriter : ImageStoreWriter
    {
        private readonly Tensor _rows;
        private Tensor? _block;
        private long _blockStart;

        internal MemoryWriter(ImageShape shape, ImageRowFormat format, long rows) : base(shape, format)
            => _rows = empty([rows, format.StoredChannels, shape.Height, shape.Width], format.ElementType).DetachFromDisposeScope();

        internal override Span<byte> NextRow()
        {
            if (_block is null || Count >= _blockStart + _block.shape[0])
            {
                _block?.Dispose();
                _blockStart = Count;
                long blockRows = Math.Clamp(int.MaxValue / Format.RowBytes, 1, 1024);
                _block = _rows.narrow(0, Count, Math.Min(blockRows, _rows.shape[0] - Count)).DetachFromDisposeScope();
            }
            int rowBytes = (int)Format.RowBytes;
            return _block.bytes.Slice((int)(Count - _blockStart) * rowBytes, rowBytes);
        }

        internal override ImageStore Complete()
        {
            _block?.Dispose();
            _block = null;
            return new MemoryImageStore(Shape, Format, Count, _rows.narrow(0, 0, Count).DetachFromDisposeScope());
        }

        public override void Dispose()
        {
            _block?.Dispose();
            _rows.Dispose();
        }
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
