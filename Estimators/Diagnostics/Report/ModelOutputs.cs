using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;

namespace MLExtensions.Diagnostics;

/// <summary>One evaluated image: its row, pixels (planar C×H×W), the true and predicted classes, and its loss.</summary>
internal sealed record ScoredImage(long Row, float[] Pixels, ImageShape Shape, int TrueClass, int PredictedClass, float Probability, double Loss);

/// <summary>What a fitted model does on labelled data: the confusion matrix, accuracy, and the images it gets most wrong.</summary>
internal sealed class ModelOutputs
{
    private ModelOutputs(double[,] confusion, IReadOnlyList<string> classes, IReadOnlyList<ScoredImage> topLosses, long rows)
    {
        Confusion = confusion;
        Classes = classes;
        TopLosses = topLosses;
        Rows = rows;
    }

    /// <summary>Counts by true class (row) and predicted class (column).</summary>
    public double[,] Confusion { get; }
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The highest-loss images, highest first.</summary>
    public IReadOnlyList<ScoredImage> TopLosses { get; }
    public long Rows { get; }

    public double Accuracy => Rows == 0 ? 0 : Enumerable.Range(0, Classes.Count).Sum(k => Confusion[k, k]) / Rows;

    internal static ModelOutputs Of(ImageCnnTransformer model, IDataView data, int top, string labelColumnName)
    {
        int classes = model.Description.ClassCount;
        var names = model.Labels.Values ?? Enumerable.Range(1, classes).Select(k => $"key {k}").ToArray();
        var scored = model.Transform(data);
        var label = ImageColumn.Find(scored.Schema, labelColumnName);
        if (label.Type is not KeyDataViewType)
            throw new ArgumentOutOfRangeException(nameof(data), $"Label column '{labelColumnName}' must be a key type, as the model was trained with.");
        var score = scored.Schema[model.ScoreColumnName];
        var features = scored.Schema[model.FeatureColumnName];
        var confusion = new double[classes, classes];
        var worst = new PriorityQueue<ScoredImage, double>();
        long rows = 0;
        using var cursor = scored.GetRowCursor([label, score, features]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        var reader = ImageReader.Create(cursor, features, model.Description.InputShape);
        uint key = 0;
        VBuffer<float> probabilities = default;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
                continue;
            getScore(ref probabilities);
            var values = probabilities.DenseValues().ToArray();
            int truth = (int)key - 1, predicted = Array.IndexOf(values, values.Max());
            confusion[truth, predicted]++;
            rows++;
            double loss = -Math.Log(Math.Max(values[truth], 1e-12));
            if (top > 0 && (worst.Count < top || worst.TryPeek(out _, out double least) && loss > least))
            {
                var pixels = new float[model.Description.InputShape.Size];
                reader.Read(pixels);
                worst.Enqueue(new ScoredImage(cursor.Position, pixels, model.Description.InputShape, truth, predicted, values[predicted], loss), loss);
                if (worst.Count > top)
                    worst.Dequeue();
            }
        }
        var topLosses = new List<ScoredImage>();
        while (worst.Count > 0)
            topLosses.Add(worst.Dequeue());
        topLosses.Reverse();
        return new ModelOutputs(confusion, names, topLosses, rows);
    }
}
