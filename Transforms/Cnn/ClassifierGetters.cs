using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.Cnn;

/// <summary>The class probabilities of the current row, computed or looked up by the caller.</summary>
internal delegate ReadOnlySpan<float> CurrentProbabilities();

/// <summary>
/// The <c>Score</c> and <c>PredictedLabel</c> getters every classifier transformer here adds: the probability vector,
/// and its arg-max as a 1-based key (the first of equal maxima).
/// </summary>
internal static class ClassifierGetters
{
    /// <returns>Getters for Score and PredictedLabel, null where <paramref name="active"/> is false.</returns>
    internal static Delegate?[] Make(bool[] active, int classes, CurrentProbabilities probabilities)
    {
        ValueGetter<VBuffer<float>> score = (ref VBuffer<float> destination) =>
        {
            var editor = VBufferEditor.Create(ref destination, classes);
            probabilities().CopyTo(editor.Values);
            destination = editor.Commit();
        };
        ValueGetter<uint> predicted = (ref uint destination) =>
        {
            var values = probabilities();
            int best = 0;
            for (int k = 1; k < values.Length; k++)
                if (values[k] > values[best])
                    best = k;
            destination = (uint)best + 1;
        };
        return [active[0] ? score : null, active[1] ? predicted : null];
    }
}
