using MLExtensions.Images;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// The images a training run reads, addressable by row, so that a seeded shuffle of row indices gives the same
/// batches however the images are kept: in memory (<see cref="MemoryImageStore"/>) or in a disk cache
/// (<see cref="DiskImageStore"/>). Rows are stored as floats, or as 8-bit planes (<see cref="Images.BytePixels"/>)
/// when the source is 8-bit, and become the network's float input per batch on the training device.
/// </summary>
internal abstract class ImageStore(ImageShape shape, ImageRowFormat format, int count) : IDisposable
{
    public ImageShape Shape { get; } = shape;
    public ImageRowFormat Format { get; } = format;
    public int Count { get; } = count;

    /// <summary>True when a batch needs CPU work (disk reads) that prefetch workers should do ahead of the training step.</summary>
    public virtual bool FetchesAhead => false;

    /// <summary>Where and how the images are kept, for the log.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// The CPU work for a batch of <paramref name="rows"/>, safe on any thread: their stored rows as a CPU tensor
    /// that belongs to no dispose scope (in page-locked memory when <paramref name="pinned"/>, for a non-blocking
    /// copy to a GPU), or null when the store needs no CPU work.
    /// </summary>
    internal virtual Tensor? Fetch(long[] rows, bool pinned) => null;

    /// <summary>
    /// The images of <paramref name="rows"/> as N×C×H×W floats on <paramref name="device"/>, in the caller's dispose
    /// scope; <paramref name="fetched"/> is <see cref="Fetch"/>'s result for the same rows, disposed here.
    /// </summary>
    internal abstract Tensor Load(long[] rows, Tensor? fetched, Device device);

    /// <summary>The images of <paramref name="rows"/>, fetched here and now.</summary>
    internal Tensor Load(long[] rows, Device device) => Load(rows, Fetch(rows, pinned: false), device);

    /// <summary>Float images from stored rows (N×stored channels×H×W, floats or bytes) on their device.</summary>
    protected Tensor ToNetworkInput(Tensor stored)
        => Format.IsBytes ? Images.BytePixels.ToFloats(stored, Shape.Channels) : stored;

    private int _references = 1;

    /// <summary>Another owner of this store (a subset of its rows); each owner disposes it once.</summary>
    internal ImageStore Share()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    public void Dispose()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            Release();
    }

    /// <summary>Frees what the store holds, once its last owner is disposed.</summary>
    protected abstract void Release();
}
