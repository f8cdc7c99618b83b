using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Reads the next batches of an <see cref="ImageStore"/> on worker threads while the training step runs: up to
/// twice <c>workers</c> batches ahead, <c>workers</c> at a time, handed out in order. What a batch holds does
/// not depend on the worker count, only how soon it is ready. Stores that need no CPU work are read directly.
/// </summary>
internal sealed class BatchPrefetcher : IDisposable
{
    private readonly ImageStore _store;
    private readonly Device _device;
    private readonly int _depth;
    private readonly SemaphoreSlim _slots;
    private readonly Queue<(int Step, Task<Tensor?> Fetched)> _ahead = new();
    private Func<int, long[]> _rowsOf = _ => [];
    private int _steps;
    private int _next;

    /// <param name="workers">Threads reading at once; 0 reads each batch on the training thread when it is needed.</param>
    internal BatchPrefetcher(ImageStore store, Device device, int workers)
    {
        (_store, _device) = (store, device);
        _depth = store.FetchesAhead ? 2 * workers : 0;
        _slots = new SemaphoreSlim(Math.Max(1, workers));
    }

    /// <summary>Starts a pass of <paramref name="steps"/> batches; batch s holds the store rows <paramref name="storeRowsOf"/>(s).</summary>
    internal void Begin(Func<int, long[]> storeRowsOf, int steps)
    {
        Drain();
        (_rowsOf, _steps, _next) = (storeRowsOf, steps, 0);
    }

    /// <summary>
    /// Batch <paramref name="step"/>'s images (the store rows <paramref name="rows"/>, as <c>Begin</c>'s function gives
    /// them) on the training device, in the caller's dispose scope.
    /// </summary>
    internal Tensor Load(int step, long[] rows)
    {
        if (_depth == 0)
            return _store.Load(rows, _device);
        if (_ahead.Count == 0 || _ahead.Peek().Step != step)
        {
            Drain();
            _next = step;
        }
        FillAhead();
        var (_, fetched) = _ahead.Dequeue();
        FillAhead();
        return _store.Load(rows, fetched.GetAwaiter().GetResult(), _device);
    }

    private void FillAhead()
    {
        bool pinned = _device.type != TorchSharp.DeviceType.CPU;
        while (_ahead.Count < _depth && _next < _steps)
        {
            var rows = _rowsOf(_next);
            _ahead.Enqueue((_next++, Task.Run(async () =>
            {
                await _slots.WaitAsync().ConfigureAwait(false);
                try
                {
                    return _store.Fetch(rows, pinned);
                }
                finally
                {
                    _slots.Release();
                }
            })));
        }
    }

    // Batches fetched for steps that will not be asked for (a stop, or a new pass) are waited for and freed.
    private void Drain()
    {
        while (_ahead.TryDequeue(out var pending))
        {
            try
            {
                pending.Fetched.GetAwaiter().GetResult()?.Dispose();
            }
            catch (Exception)
            {
                // A read error of a batch nobody will use is not the training's error.
            }
        }
    }

    public void Dispose()
    {
        Drain();
        _slots.Dispose();
    }
}
