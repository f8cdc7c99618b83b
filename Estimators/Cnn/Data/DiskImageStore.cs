using Microsoft.Win32.SafeHandles;
using MLExtensions.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Images too large for the memory budget, in a temporary file of fixed-size rows (deleted when disposed). A batch
/// reads its rows with positioned reads, which are safe from several prefetch workers at once, so memory holds only
/// the batches in flight; the operating system's file cache keeps recently read rows without counting against the process.
/// </summary>
internal sealed class DiskImageStore : ImageStore
{
    private readonly FileStream _stream;
    private readonly SafeFileHandle _file;
    private readonly string _path;

    /// <param name="stream">The written file, opened to delete on close; the store owns it.</param>
    internal DiskImageStore(ImageShape shape, ImageRowFormat format, int count, FileStream stream, string path) : base(shape, format, count)
        => (_stream, _file, _path) = (stream, stream.SafeFileHandle, path);

    public override bool FetchesAhead => true;

    public override string Description => $"in a disk cache as {Format} ({Count * Format.RowBytes / 1e6:F0} MB, {_path})";

    internal override Tensor Fetch(long[] rows, bool pinned)
    {
        var stored = empty([rows.Length, Format.StoredChannels, Shape.Height, Shape.Width], Format.ElementType);
        if (pinned)
        {
            using var pageable = stored;
            stored = pageable.pin_memory();
        }
        var bytes = stored.bytes;
        int rowBytes = (int)Format.RowBytes;
        for (int i = 0; i < rows.Length; i++)
            ReadRow(rows[i], bytes.Slice(i * rowBytes, rowBytes));
        return stored;
    }

    private void ReadRow(long row, Span<byte> destination)
    {
        long offset = row * Format.RowBytes;
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_file, destination, offset);
            if (read == 0)
                throw new InvalidDataException($"The image disk cache '{_path}' ended before row {row}; was it changed while training?");
            destination = destination[read..];
            offset += read;
        }
    }

    internal override Tensor Load(long[] rows, Tensor? fetched, Device device)
    {
        // A fetched tensor belongs to no dispose scope: what is returned is a new handle in the caller's.
        using var owned = fetched ?? Fetch(rows, pinned: false);
        var stored = device.type == DeviceType.CPU ? owned.alias() : owned.to(device, non_blocking: true);
        return ToNetworkInput(stored);
    }

    protected override void Release() => _stream.Dispose();
}
