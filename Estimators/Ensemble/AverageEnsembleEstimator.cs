using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Ensemble;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>
/// Fits every member estimator on the same training data and combines the fitted members into an
/// <see cref="AverageEnsembleTransformer"/>. Create it with <c>mlContext.MulticlassClassification.Trainers.AverageEnsemble(...)</c>.
/// </summary>
public sealed class AverageEnsembleEstimator : IEstimator<AverageEnsembleTransformer>
{
    /// <summary>How the members are combined, and the columns.</summary>
    public sealed class Options
    {
        /// <summary>
        /// How the members' probabilities are combined. Default <see cref="EnsembleCombination.Mean"/>.
        /// </summary>
        public EnsembleCombination Combination { get; set; } = EnsembleCombination.Mean;

        /// <summary>
        /// For <see cref="EnsembleCombination.WeightedMean"/>: one weight per member; null fits them on
        /// <see cref="ValidationSet"/>.
        /// </summary>
        public double[]? Weights { get; set; }

        /// <summary>
        /// Labelled data (same columns as the training data) on which <see cref="EnsembleCombination.WeightedMean"/>
        /// weights are fitted to minimise the combined prediction's log-loss, when <see cref="Weights"/> is null.
        /// </summary>
        public IDataView? ValidationSet { get; set; }

        /// <summary>
        /// The key-typed label column (for fitting weights on <see cref="ValidationSet"/>). Default "Label".
        /// </summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>The members' probability column and the ensemble's output column. Default "Score".</summary>
        public string ScoreColumnName { get; set; } = "Score";

        /// <summary>The ensemble's predicted-label column. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";
    }

    private readonly IHost _host;
    private readonly Options _options;
    private readonly IEstimator<ITransformer>[] _members;

    internal AverageEnsembleEstimator(IHostEnvironment env, Options options, IEstimator<ITransformer>[] members)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(members);
        if (members.Length < 2)
            throw new ArgumentException($"An ensemble averages at least 2 members, got {members.Length}.", nameof(members));
        for (int i = 0; i < members.Length; i++)
            ArgumentNullException.ThrowIfNull(members[i], $"members[{i}]");
        if (options.Combination == EnsembleCombination.WeightedMean && options.Weights is null && options.ValidationSet is null)
            throw new ArgumentException("WeightedMean needs Weights, or a ValidationSet to fit them on.", nameof(options));
        if (options.Combination == EnsembleCombination.WeightedMean && options.Weights is { } weights && weights.Length != members.Length)
            throw new ArgumentException($"WeightedMean needs one weight per member ({members.Length}), got {weights.Length}.", nameof(options));
        _options = options;
        _members = members;
        _host = env.Register(nameof(AverageEnsembleEstimator));
    }

    /// <summary>
    /// <paramref name="count"/> ImageCnn members trained with <paramref name="template"/>, each with its own seed (so
    /// its own initialisation, shuffling, dropout and augmentation): template.Seed + i, or seeds drawn from the
    /// MLContext when the template has none.
    /// </summary>
    internal static AverageEnsembleEstimator FromTemplate(IHostEnvironment env, ImageCnnTrainer.Options template, int count, Options options)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (count < 2)
            throw new ArgumentOutOfRangeException(nameof(count), $"An ensemble averages at least 2 members, got {count}.");
        if (template.Augmentation?.Seed is not null)
            throw new ArgumentException("The template's augmentation has a fixed seed, so every member would see the same augmentations; " +
                                        "create the ImageAugmentation without a seed so each member derives one from its own seed.", nameof(template));
        var host = env.Register(nameof(AverageEnsembleEstimator));
        var members = Enumerable.Range(0, count)
            .Select(i => (IEstimator<ITransformer>)new ImageCnnTrainer(env, template.ForMember(i, template.Seed is int seed ? seed + i : host.Rand.Next())))
            .ToArray();
        return new AverageEnsembleEstimator(env, options, members);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column firstScore = default;
        for (int i = 0; i < _members.Length; i++)
        {
            var output = _members[i].GetOutputSchema(inputSchema);
            if (!SchemaShapes.TryFind(output, _options.ScoreColumnName, out var score) || score.Kind != SchemaShape.Column.VectorKind.Vector)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Ensemble member {i + 1} does not output a '{_options.ScoreColumnName}' vector column.");
            if (i == 0)
                firstScore = score;
        }
        SchemaShape.Column keyValues = default;
        bool hasKeyValues = SchemaShapes.TryFind(inputSchema, _options.LabelColumnName, out var label)
                            && SchemaShapes.TryFind(label.Annotations, "KeyValues", out keyValues);
        return SchemaShapes.With(inputSchema,
            SchemaShapes.Column(_options.ScoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, firstScore.Annotations),
            SchemaShapes.Column(_options.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
                hasKeyValues ? new SchemaShape([keyValues]) : null));
    }

    /// <inheritdoc />
    public AverageEnsembleTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var channel = _host.Start(nameof(Fit));
        var fitted = new ITransformer[_members.Length];
        for (int i = 0; i < _members.Length; i++)
        {
            channel.Info(MessageSensitivity.None, $"AverageEnsemble: fitting member {i + 1} of {_members.Length}.");
            HostServices.ThrowIfCancelled(_host);
            fitted[i] = _members[i].Fit(input);
        }
        double[]? weights = _options.Weights;
        if (_options.Combination == EnsembleCombination.WeightedMean && weights is null)
        {
            var mean = new AverageEnsembleTransformer(fitted, EnsembleCombination.Mean);
            weights = EnsembleWeightFitter.Fit(mean, _options.ValidationSet!, _options.LabelColumnName);
            channel.Info(MessageSensitivity.None, $"AverageEnsemble: weights fitted on the validation set: [{string.Join(", ", weights.Select(w => w.ToString("F3")))}].");
        }
        return new AverageEnsembleTransformer(fitted, _options.Combination, weights, _options.ScoreColumnName, _options.PredictedLabelColumnName);
    }
}
