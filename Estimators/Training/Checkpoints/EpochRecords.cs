namespace MLExtensions.Training;

/// <summary>A history of epoch metrics as one flat array of numbers (missing validation values as NaN), for checkpoints.</summary>
internal static class EpochRecords
{
    private const int Fields = 7;

    internal static double[] Flatten(IReadOnlyList<EpochMetrics> epochs)
        => epochs.SelectMany(e => new[]
        {
            e.Epoch, e.TrainLoss, e.TrainAccuracy, e.ValidationLoss ?? double.NaN, e.ValidationAccuracy ?? double.NaN, e.LearningRate, e.Seconds,
        }).ToArray();

    internal static IEnumerable<EpochMetrics> Unflatten(double[] values)
    {
        if (values.Length % Fields != 0)
            throw new InvalidDataException($"its history has {values.Length} numbers, not a multiple of {Fields}.");
        for (int i = 0; i < values.Length; i += Fields)
            yield return new EpochMetrics((int)values[i], values[i + 1], values[i + 2], OrNull(values[i + 3]), OrNull(values[i + 4]), values[i + 5], values[i + 6]);
    }

    private static double? OrNull(double value) => double.IsNaN(value) ? null : value;
}
