using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Augmentation;
using MLExtensions.Images;
using MLExtensions.Mapping;
using MLExtensions.MLNetInternals;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// Augments an image column on the data that later estimators see while a pipeline is fitted, with new randomness
/// on every pass over the data (seeded by pass and row); everywhere else (<c>Transform</c>, <c>PredictionEngine</c>,
/// a saved and reloaded model) it copies the column unchanged. Produced by <c>mlContext.Transforms.AugmentImages(...)</c>.
/// </summary>
public sealed class AugmentImagesTransformer : TrainingTimeMappingTransformer
{
    internal const string LoaderSignature = "AugmentImagesTransform";
    // 0x00010002: the whole entry is checksummed (ModelPersistence); 0x00010001 models still load.
    internal static readonly ModelFormat ModelFormat = new("AUGMIMGS", LoaderSignature, 0x00010002, 0x00010001, firstChecksummedVersion: 0x00010002);

    /// <summary>
    /// Annotation on a column that holds freshly augmented values on every pass (so trainers re-read it per epoch).
    /// </summary>
    public const string AugmentedAnnotation = "MLExtensions.Augmented";

    private readonly long _seed;

    internal AugmentImagesTransformer(string outputColumnName, string inputColumnName, ImageAugmentation? policy, long seed)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Policy = policy;
        _seed = seed;
    }

    /// <summary>The augmented image column.</summary>
    public string OutputColumnName { get; }

    /// <summary>The image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The policy applied while fitting; null for a loaded model (policies are not saved).</summary>
    public ImageAugmentation? Policy { get; }

    /// <inheritdoc />
    public override IDataView TransformForTraining(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Policy is null ? Transform(input) : new MappedDataView(input, new Mapper(this, input.Schema, augment: true));
    }

    private protected override ModelFormat Format => ModelFormat;

    private protected override void SaveContents(BinaryWriter writer)
    {
        writer.Write(OutputColumnName);
        writer.Write(InputColumnName);
    }

    internal static AugmentImagesTransformer Load(BinaryReader reader)
        => new(reader.ReadString(), reader.ReadString(), policy: null, seed: 0);

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema, augment: false);

    /// <summary>
    /// Copies the column, or (while fitting) augments it row by row through the policy's batched operations.
    /// </summary>
    private sealed class Mapper : ColumnMapper
    {
        private readonly AugmentImagesTransformer _parent;
        private readonly DataViewSchema.Column _input;
        private readonly ImageShape _shape;
        private readonly bool _augment;
        private readonly DataViewSchema.DetachedColumn[] _added;
        private int _passes;

        public Mapper(AugmentImagesTransformer parent, DataViewSchema inputSchema, bool augment) : base(inputSchema)
        {
            _parent = parent;
            (_input, _shape) = ImageColumn.Resolve(inputSchema, parent.InputColumnName, null);
            _augment = augment;
            var annotations = _input.Annotations;
            if (augment)
            {
                var builder = new DataViewSchema.Annotations.Builder();
                builder.Add(annotations, _ => true);
                builder.Add(AugmentedAnnotation, BooleanDataViewType.Instance, (ref bool value) => value = true);
                annotations = builder.ToAnnotations();
            }
            _added = [new DataViewSchema.DetachedColumn(parent.OutputColumnName, _input.Type, annotations)];
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int addedIndex) => [_input];

        public override Delegate MakeGetter(DataViewRow input, int addedIndex) => MakeRowGetter(input, pass: 0);

        // Every cursor opened on the training view is a new pass over the data, so it draws new randomness.
        public override Delegate?[] MakeGetters(DataViewRow input, bool[] active, Func<DataViewRowCursor>? openLookahead, ICollection<IDisposable> resources)
            => [active[0] ? MakeRowGetter(input, Interlocked.Increment(ref _passes)) : null];

        private ValueGetter<VBuffer<float>> MakeRowGetter(DataViewRow input, int pass)
        {
            var reader = ImageReader.Create(input, _input, _shape);
            var image = new float[_shape.Size];
            return (ref VBuffer<float> destination) =>
            {
                var editor = VBufferEditor.Create(ref destination, image.Length);
                if (_augment)
                {
                    reader.Read(image);
                    Augment(image, pass, input.Position);
                    image.CopyTo(editor.Values);
                }
                else
                    reader.Read(editor.Values);
                destination = editor.Commit();
            };
        }

        private void Augment(float[] image, int pass, long position)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var context = new AugmentationContext(RowSeed(_parent._seed, pass, position), CPU);
            var batch = tensor(image, [1, _shape.Channels, _shape.Height, _shape.Width]);
            _parent.Policy!.Apply(batch, null, context).Images.contiguous().data<float>().CopyTo(image);
        }

        // SplitMix64 of (seed, pass, row): independent streams for every row of every pass.
        private static long RowSeed(long seed, int pass, long position)
        {
            ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)pass * 0xBF58476D1CE4E5B9UL + (ulong)position * 0x94D049BB133111EBUL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)((z ^ (z >> 31)) & long.MaxValue);
        }
    }
}
