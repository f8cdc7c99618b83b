using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Cnn;
using MLExtensions.Distillation;
using MLExtensions.Images;

namespace MLExtensions;

/// <summary>
/// Trains a (usually small) <c>ImageCnn</c> student to match a fitted teacher's softened probabilities as well as the
/// labels (<see cref="DistillationObjective"/>). The teacher is any fitted model that reads the student's feature
/// column and writes a class-probability column — an ensemble, a fine-tuned or larger network, a pipeline — and is
/// given the training images exactly as the student sees them (augmented ones too). The result is an ordinary
/// <see cref="ImageCnnTransformer"/>. Create it with <c>mlContext.MulticlassClassification.Trainers.DistillImageCnn(...)</c>.
/// </summary>
public sealed class DistillImageCnnTrainer : IEstimator<ImageCnnTransformer>
{
    private readonly IHostEnvironment _env;
    private readonly ITransformer _teacher;
    private readonly ImageCnnTrainer.Options _student;
    private readonly DistillationOptions _distillation;

    internal DistillImageCnnTrainer(IHostEnvironment env, ITransformer teacher, ImageCnnTrainer.Options student, DistillationOptions? distillation)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(student);
        if (student.Objective is not null)
            throw new ArgumentException("DistillImageCnn sets the student's Objective itself; leave Options.Objective null.", nameof(student));
        _distillation = distillation ?? new DistillationOptions();
        _distillation.Validate();
        student.Validate();
        _env = env;
        _teacher = teacher;
        _student = student;
    }

    /// <summary>The student's training options.</summary>
    public ImageCnnTrainer.Options StudentOptions => _student;

    /// <summary>The temperature and weights of the distillation.</summary>
    public DistillationOptions Distillation => _distillation;

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => CnnOutputSchema.Of(inputSchema, _student);

    /// <inheritdoc />
    public ImageCnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (column, shape) = ImageColumn.Resolve(input.Schema, _student.FeatureColumnName, CnnTrainingInputs.DeclaredShape(input.Schema, _student), allowMLImage: true);
        var labels = LabelKeys.FromColumn(FindLabel(input.Schema));
        var teacher = new TeacherProbabilities(_teacher, TeacherInputs.For(column, shape), _distillation.TeacherScoreColumnName,
            labels.Count, keep: _student.Augmentation is null);
        CheckTeacher(teacher.EmptyView().Schema, labels);

        var options = _student.Copy<ImageCnnTrainer.Options>();
        options.Objective = new DistillationObjective(teacher, _distillation, _student.LabelSmoothing);
        options.LabelSmoothing = 0;
        return new ImageCnnTrainer(_env, options).Fit(input);
    }

    private DataViewSchema.Column FindLabel(DataViewSchema schema)
        => schema.GetColumnOrNull(_student.LabelColumnName)
           ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{_student.LabelColumnName}' was not found in the training data.");

    /// <summary>The teacher must read a view holding only the feature column and write one probability per class, in the label's order.</summary>
    private void CheckTeacher(DataViewSchema featuresOnly, LabelKeys labels)
    {
        DataViewSchema output;
        try
        {
            output = _teacher.GetOutputSchema(featuresOnly);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"The teacher cannot score the student's images: it is given only the feature column '{_student.FeatureColumnName}' " +
                $"({ImageColumn.Describe(featuresOnly[0].Type)}) and said: {e.Message} Pass the fitted model without its label-mapping steps " +
                "(e.g. the ensemble or ImageCnn transformer itself), trained on the same feature column.", e);
        }
        var score = output.GetColumnOrNull(_distillation.TeacherScoreColumnName)
            ?? throw new ArgumentException($"The teacher writes no column '{_distillation.TeacherScoreColumnName}' (it writes {string.Join(", ", output.Select(c => c.Name))}); " +
                                           "set DistillationOptions.TeacherScoreColumnName to its class-probability column.");
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType, IsKnownSize: true } vector || vector.ItemType != NumberDataViewType.Single || vector.Size != labels.Count)
            throw new ArgumentException($"The teacher's '{score.Name}' column is {score.Type}; the student's label has {labels.Count} classes, " +
                                        $"so it needs a vector of {labels.Count} floats (class probabilities in the label's key order).");
        CheckClassOrder(score, labels);
    }

    private static void CheckClassOrder(DataViewSchema.Column score, LabelKeys labels)
    {
        if (labels.Values is not { } classes || !score.HasSlotNames())
            return;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        score.GetSlotNames(ref names);
        var teacherClasses = names.DenseValues().Select(n => n.ToString()).ToArray();
        int first = Enumerable.Range(0, classes.Count).FirstOrDefault(i => teacherClasses[i] != classes[i], -1);
        if (first >= 0)
            throw new ArgumentException(
                $"The teacher's classes are not the student's label classes in the same order: slot {first} is '{teacherClasses[first]}' " +
                $"for the teacher and '{classes[first]}' for the student (teacher: {string.Join(", ", teacherClasses)}; student: {string.Join(", ", classes)}). " +
                "Map the labels to keys the same way (MapValueToKey on the same training data) for both.");
    }
}
