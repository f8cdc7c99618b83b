using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Per-channel mean and standard deviation of (at most the first 10,000) training images, in double precision.</summary>
internal static class InputStatistics
{
    internal const int MaxImages = 10_000;
    private const int BatchSize = 256;

    internal static (float[] Means, float[] StandardDeviations) PerChannel(CnnTrainingSet set)
    {
        int images = Math.Min(set.Count, MaxImages), channels = set.Store.Shape.Channels;
        var sum = new double[channels];
        var squares = new double[channels];
        for (int start = 0; start < images; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var batch = set.Store.Load(set.StoreRows(start, Math.Min(BatchSize, images - start)), CPU).to(ScalarType.Float64);
            var batchSums = batch.sum([0, 2, 3]).data<double>().ToArray();
            var batchSquares = batch.square().sum([0, 2, 3]).data<double>().ToArray();
            for (int c = 0; c < channels; c++)
                (sum[c], squares[c]) = (sum[c] + batchSums[c], squares[c] + batchSquares[c]);
        }
        double values = (double)images * set.Store.Shape.PlaneSize;
        var means = sum.Select(s => s / values).ToArray();
        // A constant channel is centred but not scaled.
        var deviations = squares.Select((q, c) => Math.Sqrt(Math.Max(q / values - means[c] * means[c], 0))).Select(d => d > 1e-6 ? d : 1).ToArray();
        return (means.Select(m => (float)m).ToArray(), deviations.Select(d => (float)d).ToArray());
    }
}
