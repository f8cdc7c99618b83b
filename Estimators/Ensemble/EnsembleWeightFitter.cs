using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;
using static TorchSharp.torch;

namespace MLExtensions.Ensemble;

/// <summary>
/// Member weights for a weighted-mean ensemble: w = softmax(α), with α minimising the log-loss of Σ wᵢ·pᵢ on
/// labelled validation rows (Adam from equal weights; deterministic).
/// </summary>
internal static class EnsembleWeightFitter
{
    private const int Steps = 300;

    internal static double[] Fit(AverageEnsembleTransformer members, IDataView validation, string labelColumnName)
    {
        var label = ImageColumn.Find(validation.Schema, labelColumnName);
        if (label.Type is not KeyDataViewType key || key.Count != (ulong)members.ClassCount)
            throw new ArgumentOutOfRangeException(nameof(validation),
                $"The validation set's label column '{label.Name}' must be a key of {members.ClassCount} classes like the members', but it is {label.Type}.");
        var (probabilities, labels) = Read(members, validation, label);
        if (labels.Length == 0)
            throw new InvalidOperationException($"The validation set has no rows with a label in column '{label.Name}' to fit ensemble weights on.");

        using var scope = NewDisposeScope();
        var p = tensor(probabilities, [members.Members.Count, labels.Length, members.ClassCount]);   // M×N×K
        var y = tensor(labels);
        var truth = p.gather(2, y.view(1, -1, 1).expand(p.shape[0], -1, 1)).squeeze(2);               // pᵢ(true class), M×N
        var alpha = nn.Parameter(zeros([members.Members.Count], dtype: ScalarType.Float32));
        using var optimizer = optim.Adam([alpha], lr: 0.05);
        for (int step = 0; step < Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            var weights = alpha.softmax(0);
            var loss = -(weights.view(-1, 1) * truth).sum(dim: 0).clamp_min(1e-12).log().mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        using (no_grad())
            return alpha.softmax(0).to(ScalarType.Float64).data<double>().ToArray();
    }

    // Rows with a missing label are left out; members see the rows in the same order as the label cursor.
    private static (float[] Probabilities, long[] Labels) Read(AverageEnsembleTransformer ensemble, IDataView validation, DataViewSchema.Column label)
    {
        var labels = new List<long>();
        var labelled = new List<bool>();
        using (var cursor = validation.GetRowCursor([label]))
        {
            var getLabel = cursor.GetGetter<uint>(label);
            uint value = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref value);
                labelled.Add(value != 0);
                if (value != 0)
                    labels.Add(value - 1);
            }
        }
        var probabilities = new List<float>(labels.Count * ensemble.ClassCount * ensemble.Members.Count);
        for (int m = 0; m < ensemble.Members.Count; m++)
        {
            var scored = ensemble.Members[m].Transform(validation);
            var score = scored.Schema[ensemble.ScoreColumnOf(m)];
            using var cursor = scored.GetRowCursor([score]);
            var getScore = cursor.GetGetter<VBuffer<float>>(score);
            var buffer = default(VBuffer<float>);
            int row = 0;
            while (cursor.MoveNext())
            {
                if (row >= labelled.Count)
                    throw new InvalidOperationException("The validation set yielded more rows on a second pass; it must yield the same rows on every pass.");
                if (labelled[row++])
                {
                    getScore(ref buffer);
                    probabilities.AddRange(buffer.DenseValues());
                }
            }
        }
        return (probabilities.ToArray(), labels.ToArray());
    }
}
