using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLExtensions.Distillation;

/// <summary>
/// The teacher's class probabilities for a training batch: the batch's images are handed to the teacher's
/// <c>Transform</c> as the feature column it was trained on (<see cref="TeacherInputs"/>), and its probability column
/// is read back. Without
/// augmentation every image looks the same in every epoch, so its probabilities are kept after the first time; a kept
/// entry is used only while the image's checksum still matches (an inner run — a sanity check, a search trial —
/// numbers other images the same way).
/// </summary>
internal sealed class TeacherProbabilities
{
    private readonly ITransformer _teacher;
    private readonly string _scoreColumn;
    private readonly int _classes;
    private readonly bool _keep;
    private readonly TeacherInputs _inputs;
    private readonly Dictionary<long, KeptRow> _kept = new();
    private readonly object _gate = new();

    internal TeacherProbabilities(ITransformer teacher, TeacherInputs inputs, string scoreColumn, int classes, bool keep)
    {
        _inputs = inputs;
        _teacher = teacher;
        _scoreColumn = scoreColumn;
        _classes = classes;
        _keep = keep;
    }

    /// <summary>An empty view with only the feature column: what the teacher will be given.</summary>
    internal IDataView EmptyView() => _inputs.Empty();

    /// <summary>The teacher's probabilities [N, classes] for the batch's images, on <paramref name="device"/>.</summary>
    internal Tensor For(TrainingBatch batch, Device device)
    {
        var images = batch.Inputs.detach().cpu().contiguous().data<float>().ToArray();
        int count = batch.Count, size = images.Length / count;
        var shape = new ImageShape((int)batch.Inputs.shape[1], (int)batch.Inputs.shape[2], (int)batch.Inputs.shape[3]);
        var probabilities = new float[count * _classes];
        var missing = new List<int>();
        lock (_gate)
        {
            for (int i = 0; i < count; i++)
            {
                if (_keep && _kept.TryGetValue(batch.Rows[i], out var kept) && kept.Checksum == Checksum(images, i, size))
                    kept.Probabilities.CopyTo(probabilities, i * _classes);
                else
                    missing.Add(i);
            }
        }
        if (missing.Count > 0)
            ScoreInto(images, shape, missing, batch.Rows, probabilities);
        return tensor(probabilities, [count, _classes]).to(device);
    }

    private void ScoreInto(float[] images, ImageShape shape, List<int> rows, IReadOnlyList<long> positions, float[] probabilities)
    {
        int size = shape.Size;
        var scored = _teacher.Transform(_inputs.Of(images, shape, rows));
        var column = scored.Schema.GetColumnOrNull(_scoreColumn)
            ?? throw new InvalidOperationException($"The teacher's output has no column '{_scoreColumn}'.");
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        for (int r = 0; cursor.MoveNext(); r++)
        {
            getter(ref buffer);
            int i = rows[r];
            buffer.CopyTo(probabilities, i * _classes);
            if (_keep)
                lock (_gate)
                    _kept[positions[i]] = new KeptRow(Checksum(images, i, size), probabilities.AsSpan(i * _classes, _classes).ToArray());
        }
    }

    private static double Checksum(float[] images, int image, int size)
    {
        double sum = 0, weighted = 0;
        for (int j = 0; j < size; j++)
        {
            sum += images[image * size + j];
            weighted += (j + 1) * (double)images[image * size + j];
        }
        return sum + weighted * 1e-7;
    }

    private sealed record KeptRow(double Checksum, float[] Probabilities);
}
