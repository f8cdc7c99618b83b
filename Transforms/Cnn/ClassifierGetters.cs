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
        ValueGetter<uint> predicted = (ref uint destination) => destination = PredictedKey(probabilities());
        return [active[0] ? score : null, active[1] ? predicted : null];
    }

    /// <summary>
    /// The 1-based key of the largest probability (the first of equal maxima), or 0, ML.NET's missing key, when any
    /// probability is NaN: a non-finite input gives NaN scores, and no class may be claimed for it.
    /// </summary>
    internal static uint PredictedKey(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 0; k < values.Length; k++)
        {
            if (float.IsNaN(values[k]))
                return 0;
            if (values[k] > values[best])
                best = k;
        }
        return (uint)best + 1;
    }
}
