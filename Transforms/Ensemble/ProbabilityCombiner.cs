namespace MLExtensions.Ensemble;

/// <summary>
/// The arithmetic on members' probability vectors, in double, rounded to float once at the end: the mean is
/// (Σ pᵢ) / n summed in member order, the weighted mean Σ wᵢ·pᵢ with weights that sum to 1, the geometric mean
/// exp(Σ log pᵢ / n) renormalised.
/// </summary>
internal static class ProbabilityCombiner
{
    // A probability of exactly 0 (softmax underflow) would make the geometric mean 0 for that class whatever the
    // other members say; it is floored at the smallest normal float instead.
    private const double Floor = 1.1754943508222875e-38;

    internal static void Combine(EnsembleCombination combination, IReadOnlyList<double> weights, float[][] members, Span<float> destination)
    {
        int classes = destination.Length;
        Span<double> sum = stackalloc double[classes];
        sum.Clear();
        switch (combination)
        {
            case EnsembleCombination.Mean:
                foreach (var member in members)
                    for (int k = 0; k < classes; k++)
                        sum[k] += member[k];
                for (int k = 0; k < classes; k++)
                    destination[k] = (float)(sum[k] / members.Length);
                break;
            case EnsembleCombination.WeightedMean:
                for (int m = 0; m < members.Length; m++)
                    for (int k = 0; k < classes; k++)
                        sum[k] += weights[m] * members[m][k];
                for (int k = 0; k < classes; k++)
                    destination[k] = (float)sum[k];
                break;
            case EnsembleCombination.GeometricMean:
                foreach (var member in members)
                    for (int k = 0; k < classes; k++)
                        sum[k] += Math.Log(Math.Max(member[k], Floor));
                double max = double.NegativeInfinity, total = 0;
                for (int k = 0; k < classes; k++)
                    max = Math.Max(max, sum[k] / members.Length);
                for (int k = 0; k < classes; k++)
                    total += sum[k] = Math.Exp(sum[k] / members.Length - max);
                for (int k = 0; k < classes; k++)
                    destination[k] = (float)(sum[k] / total);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown combination.");
        }
    }
}
