using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// What the network (or, for a linear probe, its classifier) is fed from one set, a batch of rows at a time: the
/// rows' images, read ahead by a <see cref="BatchPrefetcher"/>, or their cached body features; and their labels.
/// </summary>
internal sealed class SetBatches : IDisposable
{
    private readonly CnnTrainingSet _set;
    private readonly BatchPrefetcher _prefetcher;
    private readonly Tensor _labels;
    private Tensor? _features;
    private readonly int _workers;
    private Func<int, long[]> _rowsOf = _ => [];

    /// <param name="workers">Prefetch threads (see <see cref="BatchPrefetcher"/>).</param>
    internal SetBatches(CnnTrainingSet set, Device device, int workers)
    {
        (_set, _workers) = (set, workers);
        _prefetcher = new BatchPrefetcher(set.Store, device, workers);
        _labels = set.LabelTensor(device).DetachFromDisposeScope();
    }

    public int Count => _set.Count;

    /// <summary>Feeds the classifier's inputs from now on: <paramref name="body"/> runs once over every image in order.</summary>
    internal void CacheFeatures(Func<IEnumerable<Tensor>, Tensor> body, int batchSize)
        => _features = body(InOrder(batchSize)).DetachFromDisposeScope();

    /// <summary>Starts a pass of <paramref name="steps"/> batches; batch s holds this set's rows <paramref name="rowsOf"/>(s).</summary>
    internal void Begin(Func<int, long[]> rowsOf, int steps)
    {
        _rowsOf = rowsOf;
        _prefetcher.Begin(step => _set.StoreRows(rowsOf(step)), steps);
    }

    /// <summary>Batch <paramref name="step"/>'s inputs and labels, in the caller's dispose scope, and its rows of this set.</summary>
    internal (Tensor Inputs, Tensor Labels, long[] Rows) Load(int step)
    {
        var rows = _rowsOf(step);
        var index = tensor(rows).ToDevice(_labels.device);
        var inputs = _features is null ? _prefetcher.Load(step, _set.StoreRows(rows)) : _features.index_select(0, index);
        return (inputs, _labels.index_select(0, index), rows);
    }

    /// <summary>
    /// The inputs in stored order, <paramref name="batchSize"/> rows at a time, read ahead by a prefetcher of their own
    /// (a pass in the middle of another leaves it undisturbed); the caller disposes each batch.
    /// </summary>
    internal IEnumerable<Tensor> InOrder(int batchSize)
    {
        int steps = (Count + batchSize - 1) / batchSize;
        long[] RowsOf(int step) => Range(step * (long)batchSize, Math.Min(batchSize, Count - step * batchSize));
        using var prefetcher = new BatchPrefetcher(_set.Store, _labels.device, _workers);
        prefetcher.Begin(step => _set.StoreRows(RowsOf(step)), steps);
        for (int step = 0; step < steps; step++)
        {
            Tensor inputs;
            using (NewDisposeScope())
                inputs = (_features is null
                    ? prefetcher.Load(step, _set.StoreRows(RowsOf(step)))
                    : _features.narrow(0, step * (long)batchSize, RowsOf(step).Length)).MoveToOuterDisposeScope();
            yield return inputs;
        }
    }

    /// <summary>The labels in stored order.</summary>
    internal Tensor Labels => _labels;

    private static long[] Range(long start, int count)
    {
        var rows = new long[count];
        for (int i = 0; i < count; i++)
            rows[i] = start + i;
        return rows;
    }

    public void Dispose()
    {
        _prefetcher.Dispose();
        _labels.Dispose();
        _features?.Dispose();
    }
}
