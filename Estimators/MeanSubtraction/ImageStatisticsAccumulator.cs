namespace MLExtensions.MeanSubtraction;

/// <summary>
/// Streaming, numerically stable mean and population standard deviation of planar C×H×W images, in double:
/// Welford's update per value for the mean image, Chan et al.'s pairwise merge of whole planes per channel.
/// </summary>
internal sealed class ImageStatisticsAccumulator
{
    private readonly ImageShape _shape;
    private readonly MeanSubtractionMode _mode;
    private readonly double[] _mean;
    private readonly double[] _m2;
    private readonly long[] _count;

    public ImageStatisticsAccumulator(ImageShape shape, MeanSubtractionMode mode)
    {
        _shape = shape;
        _mode = mode;
        int size = mode == MeanSubtractionMode.PerPixel ? shape.Size : shape.Channels;
        _mean = new double[size];
        _m2 = new double[size];
        _count = new long[size];
    }

    /// <summary>Images added so far.</summary>
    public long Rows { get; private set; }

    public void Add(ReadOnlySpan<float> image)
    {
        if (image.Length != _shape.Size)
            throw new ArgumentException($"Expected an image of {_shape.Size} values, got {image.Length}.", nameof(image));
        if (_mode == MeanSubtractionMode.PerPixel)
            AddPixels(image);
        else
            for (int c = 0; c < _shape.Channels; c++)
                AddPlane(c, image.Slice(c * _shape.PlaneSize, _shape.PlaneSize));
        Rows++;
    }

    private void AddPixels(ReadOnlySpan<float> image)
    {
        long n = Rows + 1;
        for (int i = 0; i < image.Length; i++)
        {
            double x = image[i];
            double delta = x - _mean[i];
            _mean[i] += delta / n;
            _m2[i] += delta * (x - _mean[i]);
            _count[i] = n;
        }
    }

    private void AddPlane(int channel, ReadOnlySpan<float> plane)
    {
        double sum = 0;
        foreach (var x in plane)
            sum += x;
        double planeMean = sum / plane.Length;
        double planeM2 = 0;
        foreach (var x in plane)
            planeM2 += (x - planeMean) * (x - planeMean);

        long before = _count[channel];
        long after = before + plane.Length;
        double delta = planeMean - _mean[channel];
        _mean[channel] += delta * plane.Length / after;
        _m2[channel] += planeM2 + delta * delta * before * plane.Length / after;
        _count[channel] = after;
    }

    public (float[] Mean, float[] StandardDeviation) Result()
    {
        var mean = new float[_mean.Length];
        var std = new float[_mean.Length];
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)_mean[i];
            std[i] = _count[i] == 0 ? 0f : (float)Math.Sqrt(_m2[i] / _count[i]);
        }
        return (mean, std);
    }
}
