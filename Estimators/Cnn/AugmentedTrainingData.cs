using Microsoft.ML;

namespace MLExtensions.Cnn;

/// <summary>
/// Training data whose image column an upstream <c>AugmentImages</c> step draws anew on every pass (every cursor
/// opened with the column active), so the trainer reads it again for every epoch.
/// </summary>
internal sealed class AugmentedTrainingData(IDataView input, DataViewSchema.Column features, Func<CnnTrainingSet> read)
{
    /// <summary>The next pass: newly augmented images of the same rows.</summary>
    internal CnnTrainingSet Read() => read();

    /// <summary>Moves the augmentation on by <paramref name="passes"/> without reading them, so a resumed run sees the passes the interrupted one would have.</summary>
    internal void SkipPasses(int passes)
    {
        for (int i = 0; i < passes; i++)
            using (input.GetRowCursor([features]))
            {
            }
    }
}
