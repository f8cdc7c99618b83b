using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLExtensions.Data;
using MLExtensions.Images;

namespace MLExtensions.Cnn;

/// <summary>
/// The data a CNN trainer's <c>Fit</c> works on, read and checked once: the label keys, the image column and shape,
/// the training set, the validation set (given, or split off), and how to read the training data again when an
/// upstream <c>AugmentImages</c> step draws new images on every pass.
/// </summary>
internal sealed class CnnTrainingInputs : IDisposable
{
    private CnnTrainingInputs(LabelKeys labels, ImageShape shape, CnnTrainingSet train, CnnTrainingSet? validation, AugmentedTrainingData? augmented)
    {
        Labels = labels;
        Shape = shape;
        Train = train;
        Validation = validation;
        Augmented = augmented;
    }

    public LabelKeys Labels { get; }
    public ImageShape Shape { get; }
    public CnnTrainingSet Train { get; }
    public CnnTrainingSet? Validation { get; }
    /// <summary>Set when an upstream <c>AugmentImages</c> step draws new images on every pass: read them again every epoch.</summary>
    public AugmentedTrainingData? Augmented { get; }

    internal static CnnTrainingInputs Read(IDataView input, CnnTrainingOptions options, int seed, IHost host, IChannel channel, string trainer)
    {
        var label = ImageColumn.Find(input.Schema, options.LabelColumnName);
        var labels = LabelKeys.FromColumn(label);
        var (features, shape) = ImageColumn.Resolve(input.Schema, options.FeatureColumnName, DeclaredShape(input.Schema, options), allowMLImage: true);
        options.Augmentation?.Check(shape);

        var train = CnnTrainingSet.Read(input, features, label, shape, labels.Count, options, host, "training");
        if (train.SkippedRows > 0)
            channel.Warning(MessageSensitivity.None, $"{trainer}: left out {train.SkippedRows} training rows whose label '{label.Name}' is missing.");
        channel.Info(MessageSensitivity.None, $"{trainer}: {train.Count} training images, kept {train.Store.Description}.");
        WarnLeftOut(train, "training", channel, trainer);
        if (train.Count == 0)
            throw new InvalidOperationException($"{trainer} cannot train: the training data has no rows with a label in column '{label.Name}'.");

        // The same seed gives the same stratified split on every read of the same labels.
        (CnnTrainingSet Train, CnnTrainingSet Validation) Split(CnnTrainingSet set)
        {
            using (set)
                return set.SplitStratified(options.ValidationFraction, new Random(seed));
        }
        CnnTrainingSet? validation = null;
        if (options.ValidationSet is { } validationView)
        {
            var validationLabel = InValidationSet(() => ImageColumn.Find(validationView.Schema, options.LabelColumnName));
            if (!InValidationSet(() => LabelKeys.FromColumn(validationLabel)).SameAs(labels))
                throw new ArgumentOutOfRangeException(nameof(options.ValidationSet),
                    $"The validation set's label column '{validationLabel.Name}' has different classes from the training data's; map both with the same MapValueToKey transformer.");
            var (validationFeatures, _) = InValidationSet(() => ImageColumn.Resolve(validationView.Schema, options.FeatureColumnName, shape, allowMLImage: true));
            validation = CnnTrainingSet.Read(validationView, validationFeatures, validationLabel, shape, labels.Count, options, host, "validation");
            WarnLeftOut(validation, "validation", channel, trainer);
        }
        else if (options.ValidationFraction > 0)
        {
            (train, validation) = Split(train);
            if (validation.Count == 0 || train.Count == 0)
                throw new InvalidOperationException($"ValidationFraction {options.ValidationFraction} of {train.Count + validation.Count} rows leaves an empty training or validation set.");
        }

        if (train.ClassesPresent < 2)
            throw new InvalidOperationException(
                $"{trainer} needs training rows of at least 2 classes, but every labelled row of column '{label.Name}' is of one class.");

        // Data augmented by AugmentImages changes on every pass, so it is read again for every epoch.
        AugmentedTrainingData? augmented = null;
        if (features.Annotations.Schema.GetColumnOrNull(AugmentImagesTransformer.AugmentedAnnotation) is not null)
        {
            channel.Info(MessageSensitivity.None, $"{trainer}: column '{features.Name}' is augmented; reading the training data again for every epoch.");
            augmented = new AugmentedTrainingData(input, features, () =>
            {
                var again = CnnTrainingSet.Read(input, features, label, shape, labels.Count, options, host, "training");
                if (options.ValidationSet is not null || options.ValidationFraction == 0)
                    return again;
                var (trainPart, unused) = Split(again);
                unused.Dispose();
                return trainPart;
            });
        }
        return new CnnTrainingInputs(labels, shape, train, validation, augmented);
    }

    // The schema checks' errors speak of "the input data"; for Options.ValidationSet they must say which data it is.
    private static T InValidationSet<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new ArgumentOutOfRangeException(nameof(CnnTrainingOptions.ValidationSet), $"In the validation data (Options.ValidationSet): {message}");
        }
    }

    // Images (decoded or encoded) are read at the options' size in colour unless Channels says otherwise; flat vectors are grey.
    internal static ImageShape? DeclaredShape(DataViewSchema schema, CnnTrainingOptions options)
        => options.DeclaredShape(defaultChannels: schema.GetColumnOrNull(options.FeatureColumnName) is { } column && ImageColumn.HasBytes(column) ? 3 : 1);

    private static void WarnLeftOut(CnnTrainingSet set, string role, IChannel channel, string trainer)
    {
        if (set.UnreadableImages.Count > 0)
            channel.Warning(MessageSensitivity.None, $"{trainer}: left out {set.UnreadableImages.Count} {role} images that could not be decoded " +
                $"(SkipUnreadableImages): {NameSample.Of(set.UnreadableImages)}.");
        if (set.NonFiniteImages.Count > 0)
            channel.Warning(MessageSensitivity.None, $"{trainer}: left out {set.NonFiniteImages.Count} {role} images holding NaN or infinite values " +
                $"(SkipNonFiniteImages): {NameSample.Of(set.NonFiniteImages)}.");
    }

    public void Dispose()
    {
        Train.Dispose();
        Validation?.Dispose();
    }
}
