using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Cnn;
using MLExtensions.Ensemble;
using MLExtensions.Mapping;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>
/// Several trained image classifiers as one: every member scores the row, and <c>Score</c> is the combination of
/// their class probabilities (mean, weighted mean or geometric mean); <c>PredictedLabel</c> is its arg-max, with the
/// members' label key type. A member is an <c>ImageCnn</c> / <c>FineTuneImageCnn</c> model or a pipeline containing
/// one (with its own preprocessing); all must read the same image column and predict the same classes. The model
/// zip holds every member. Create one with <c>mlContext.Transforms.AverageEnsemble(...)</c> or
/// <c>mlContext.MulticlassClassification.Trainers.AverageEnsemble(...)</c>. Like ML.NET's <c>TransformerChain</c>,
/// it owns its members: disposing it disposes them.
/// </summary>
public sealed class AverageEnsembleTransformer : RowMappingTransformer, IDisposable
{
    internal const string LoaderSignature = "AverageEnsemble";
    // 0x00010002: the whole entry is checksummed (ModelPersistence); 0x00010001 models still load.
    internal static readonly ModelFormat ModelFormat = new("AVGENSMB", LoaderSignature, 0x00010002, 0x00010001, firstChecksummedVersion: 0x00010002);

    private readonly ImageCnnTransformer[] _networks;

    internal AverageEnsembleTransformer(IReadOnlyList<ITransformer> members, EnsembleCombination combination = EnsembleCombination.Mean,
        IReadOnlyList<double>? weights = null, string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2)
            throw new ArgumentException($"An ensemble averages at least 2 members, got {members.Count}.", nameof(members));
        if (!Enum.IsDefined(combination))
            throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown combination.");
        _networks = members.Select(NetworkOf).ToArray();
        var first = _networks[0];
        for (int i = 1; i < _networks.Length; i++)
        {
            var other = _networks[i];
            if (other.FeatureColumnName != first.FeatureColumnName || other.Description.InputShape != first.Description.InputShape)
                throw new ArgumentException(
                    $"Ensemble member {i + 1} reads column '{other.FeatureColumnName}' as {other.Description.InputShape} images, but member 1 reads " +
                    $"'{first.FeatureColumnName}' as {first.Description.InputShape}; all members must read the same input.", nameof(members));
            if (!other.Labels.SameAs(first.Labels))
                throw new ArgumentException(
                    $"Ensemble member {i + 1} predicts {Describe(other.Labels)} but member 1 predicts {Describe(first.Labels)}; " +
                    "all members must be trained with the same label keys (the same MapValueToKey mapping).", nameof(members));
        }
        Members = members.ToArray();
        Combination = combination;
        Weights = NormalisedWeights(combination, weights, members.Count);
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
    }

    /// <summary>
    /// The fitted members whose probabilities are combined (owned by the ensemble: disposed with it).
    /// </summary>
    public IReadOnlyList<ITransformer> Members { get; }

    /// <summary>How the members' probabilities are combined.</summary>
    public EnsembleCombination Combination { get; }

    /// <summary>The same ensemble scoring on <paramref name="device"/>: every member's network copied there (see <see cref="ScoringDevice.OnDevice"/>).</summary>
    public AverageEnsembleTransformer OnDevice(ComputeDevice device)
        => new(Members.Select(member => member.OnDevice(device)).ToArray(), Combination,
               Combination == EnsembleCombination.WeightedMean ? Weights : null, ScoreColumnName, PredictedLabelColumnName);

    /// <summary>Disposes every member that holds native memory.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var member in Members.OfType<IDisposable>())
            member.Dispose();
    }

    private volatile bool _disposed;

    /// <summary>
    /// Each member's weight, summing to 1 (equal unless <see cref="EnsembleCombination.WeightedMean"/>).
    /// </summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>The combined class-probability column.</summary>
    public string ScoreColumnName { get; }

    /// <summary>The combined predicted-label column.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>The image column every member reads.</summary>
    public string FeatureColumnName => _networks[0].FeatureColumnName;

    /// <summary>Classes every member scores.</summary>
    public int ClassCount => _networks[0].Description.ClassCount;

    internal LabelKeys Labels => _networks[0].Labels;

    internal string ScoreColumnOf(int member) => _networks[member].ScoreColumnName;

    private static ImageCnnTransformer NetworkOf(ITransformer member, int index)
    {
        ArgumentNullException.ThrowIfNull(member, $"members[{index}]");
        return ModelParts.LastImageCnn(member) ?? throw new ArgumentException(
            $"Ensemble member {index + 1} ({ModelParts.Describe(member, " → ")}) contains no ImageCnn model.", "members");
    }

    private static string Describe(LabelKeys labels)
        => labels.Values is { } values
            ? $"{labels.Count} classes [{string.Join(", ", values.Take(10))}{(values.Count > 10 ? ", …" : "")}]"
            : $"{labels.Count} classes (no key values)";

    private static double[] NormalisedWeights(EnsembleCombination combination, IReadOnlyList<double>? weights, int members)
    {
        if (combination != EnsembleCombination.WeightedMean)
        {
            if (weights is not null)
                throw new ArgumentException($"Weights are only used by {nameof(EnsembleCombination.WeightedMean)}, not {combination}.", nameof(weights));
            return Enumerable.Repeat(1.0 / members, members).ToArray();
        }
        if (weights is null || weights.Count != members)
            throw new ArgumentException($"{nameof(EnsembleCombination.WeightedMean)} needs one weight per member ({members}), got {weights?.Count ?? 0}.", nameof(weights));
        if (weights.Any(w => !double.IsFinite(w) || w < 0) || weights.Sum() <= 0)
            throw new ArgumentException($"Weights must be finite, non-negative and not all zero, got [{string.Join(", ", weights)}].", nameof(weights));
        double total = weights.Sum();
        return weights.Select(w => w / total).ToArray();
    }

    private protected override ModelFormat Format => ModelFormat;

    private protected override void SaveContents(BinaryWriter writer)
    {
        writer.Write((int)Combination);
        writer.Write(ScoreColumnName);
        writer.Write(PredictedLabelColumnName);
        writer.Write(Members.Count);
        var ml = new MLContext();
        for (int i = 0; i < Members.Count; i++)
        {
            writer.Write(Weights[i]);
            using var zip = new MemoryStream();
            ml.Model.Save(Members[i], null, zip);
            var bytes = zip.ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    internal static AverageEnsembleTransformer Load(BinaryReader reader)
    {
        var combination = (EnsembleCombination)reader.ReadInt32();
        if (!Enum.IsDefined(combination))
            throw new InvalidDataException($"The model holds an unknown ensemble combination {(int)combination}.");
        var score = reader.ReadString();
        var predicted = reader.ReadString();
        int count = reader.ReadInt32();
        var ml = new MLContext();
        var members = new ITransformer[count];
        var weights = new double[count];
        for (int i = 0; i < count; i++)
        {
            weights[i] = reader.ReadDouble();
            int length = reader.ReadInt32();
            var bytes = reader.ReadBytes(length);
            if (bytes.Length != length)
                throw new InvalidDataException($"Ensemble member {i + 1} is truncated ({bytes.Length} of {length} bytes).");
            using var zip = new MemoryStream(bytes);
            members[i] = ml.Model.Load(zip, out _);
        }
        return new AverageEnsembleTransformer(members, combination,
            combination == EnsembleCombination.WeightedMean ? weights : null, score, predicted);
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema)
        => _disposed ? throw new ObjectDisposedException(nameof(AverageEnsembleTransformer), "This ensemble was disposed; load it again (mlContext.Model.Load) to score with it.")
            : new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly AverageEnsembleTransformer _parent;
        private readonly IRowToRowMapper[] _memberMappers;
        private readonly DataViewSchema.Column[] _memberScores;
        private readonly DataViewSchema.Column[] _dependencies;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(AverageEnsembleTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            int members = parent.Members.Count, classes = parent.ClassCount;
            _memberMappers = new IRowToRowMapper[members];
            _memberScores = new DataViewSchema.Column[members];
            for (int i = 0; i < members; i++)
            {
                try
                {
                    _memberMappers[i] = parent.Members[i].GetRowToRowMapper(inputSchema);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException and not ObjectDisposedException)
                {
                    throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Ensemble member {i + 1} cannot read this input: {e.Message}");
                }
                var name = parent._networks[i].ScoreColumnName;
                var column = _memberMappers[i].OutputSchema.GetColumnOrNull(name);
                if (column?.Type is not VectorDataViewType { Size: var size } vector || vector.ItemType != NumberDataViewType.Single || size != classes)
                    throw new InvalidOperationException($"Ensemble member {i + 1} does not output a '{name}' vector of {classes} probabilities (it has {column?.Type?.ToString() ?? "no such column"}).");
                _memberScores[i] = column.Value;
            }
            _dependencies = _memberMappers.SelectMany((m, i) => m.GetDependencies([_memberScores[i]]))
                .Select(c => c.Index).Distinct().Order().Select(i => inputSchema[i]).ToArray();
            _added =
            [
                new DataViewSchema.DetachedColumn(parent.ScoreColumnName,
                    new VectorDataViewType(NumberDataViewType.Single, classes), parent.Labels.ScoreAnnotations()),
                new DataViewSchema.DetachedColumn(parent.PredictedLabelColumnName, parent.Labels.KeyType, parent.Labels.PredictedLabelAnnotations()),
            ];
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;
        public override bool ReadsAhead => true;
        public override IEnumerable<DataViewSchema.Column> GetDependencies(int addedIndex) => _dependencies;

        public override Delegate MakeGetter(DataViewRow input, int addedIndex)
            => MakeGetters(input, [addedIndex == 0, addedIndex == 1], null, [])[addedIndex]!;

        public override Delegate?[] MakeGetters(DataViewRow input, bool[] active, Func<DataViewRowCursor>? openLookahead,
            ICollection<IDisposable> resources)
        {
            var scores = openLookahead is null
                ? MemberScores.RowByRow(_memberMappers, _memberScores, input)
                : MemberScores.Batched(_parent, InputSchema, openLookahead, input);
            resources.Add(scores);
            var combined = new float[_parent.ClassCount];
            long combinedAt = -1;
            ReadOnlySpan<float> Combined()
            {
                if (combinedAt != input.Position)
                {
                    ProbabilityCombiner.Combine(_parent.Combination, _parent.Weights, scores.Read(input.Position), combined);
                    combinedAt = input.Position;
                }
                return combined;
            }
            return ClassifierGetters.Make(active, combined.Length, () => Combined());
        }
    }

    /// <summary>
    /// Each member's probabilities for the current row. Batched: every member transforms a look-ahead view of the
    /// input (so an ImageCnn member scores many rows per forward pass) and its cursor is kept in step with the row.
    /// Row by row: every member maps the row itself (PredictionEngine, shuffled cursors).
    /// </summary>
    private sealed class MemberScores : IDisposable
    {
        private readonly DataViewRow[] _rows;
        private readonly ValueGetter<VBuffer<float>>[] _getters;
        private readonly bool _cursors;
        private readonly float[][] _values;
        private VBuffer<float> _buffer;

        private MemberScores(DataViewRow[] rows, ValueGetter<VBuffer<float>>[] getters, bool cursors, int classes)
        {
            _rows = rows;
            _getters = getters;
            _cursors = cursors;
            _values = rows.Select(_ => new float[classes]).ToArray();
        }

        internal static MemberScores RowByRow(IRowToRowMapper[] mappers, DataViewSchema.Column[] scores, DataViewRow input)
        {
            var rows = mappers.Select((m, i) => m.GetRow(input, [scores[i]])).ToArray();
            return new MemberScores(rows, rows.Select((r, i) => r.GetGetter<VBuffer<float>>(scores[i])).ToArray(), false, ((VectorDataViewType)scores[0].Type).Size);
        }

        internal static MemberScores Batched(AverageEnsembleTransformer parent, DataViewSchema inputSchema, Func<DataViewRowCursor> openLookahead, DataViewRow input)
        {
            var view = new LookaheadInput(inputSchema, openLookahead);
            var cursors = new DataViewRowCursor[parent.Members.Count];
            var getters = new ValueGetter<VBuffer<float>>[cursors.Length];
            for (int i = 0; i < cursors.Length; i++)
            {
                var output = parent.Members[i].Transform(view);
                var score = output.Schema[parent._networks[i].ScoreColumnName];
                cursors[i] = output.GetRowCursor([score]);
                getters[i] = cursors[i].GetGetter<VBuffer<float>>(score);
            }
            return new MemberScores(cursors, getters, true, parent.ClassCount);
        }

        internal float[][] Read(long position)
        {
            for (int i = 0; i < _rows.Length; i++)
            {
                if (_cursors)
                {
                    var cursor = (DataViewRowCursor)_rows[i];
                    while (cursor.Position < position)
                        if (!cursor.MoveNext())
                            throw new InvalidOperationException($"The input ended before row {position}; it must yield the same rows on every pass to be scored in batches.");
                }
                _getters[i](ref _buffer);
                _buffer.CopyTo(_values[i]);
            }
            return _values;
        }

        public void Dispose()
        {
            foreach (var row in _rows)
                row.Dispose();
        }
    }
}
