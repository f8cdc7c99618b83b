using MLExtensions.Architectures;

namespace MLExtensions;

/// <summary>
/// Everything needed to rebuild a trained network before loading its weights; saved in the model zip.
/// </summary>
public sealed record NetworkDescription
{
    /// <summary>The network family.</summary>
    public required CnnArchitecture Architecture { get; init; }

    /// <summary>The shape [C,H,W] of one input image.</summary>
    public required ImageShape InputShape { get; init; }

    /// <summary>Outputs of the classifier: the number of classes.</summary>
    public required int ClassCount { get; init; }

    /// <summary>The hidden-layer non-linearity.</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.ReLU;

    /// <summary>The normalization layer after each convolution.</summary>
    public NormalizationKind Normalization { get; init; } = NormalizationKind.BatchNorm;

    /// <summary>Channels per stage: SimpleConvNet's two conv stages, or ResNet's stages.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [32, 64];

    /// <summary>
    /// Residual blocks per ResNet stage (same length as <see cref="Widths"/>); unused by SimpleConvNet.
    /// </summary>
    public IReadOnlyList<int> Blocks { get; init; } = [];

    /// <summary>
    /// ResNet: the channels between the two convolutions of each residual block, block by block (what filter pruning
    /// reduces); torchvision ResNets: the channels after conv1 of each block (basic blocks), or after conv1 and conv2
    /// (bottlenecks, two per block); empty: the network's own widths.
    /// </summary>
    public IReadOnlyList<int> InnerWidths { get; init; } = [];

    /// <summary>Units of SimpleConvNet's hidden fully-connected layer (0: none).</summary>
    public int HiddenUnits { get; init; } = 128;

    /// <summary>Dropout probability before the classifier (active only while training).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Groups for <see cref="NormalizationKind.GroupNorm"/> (reduced to a divisor of each layer's channels).
    /// </summary>
    public int NormalizationGroups { get; init; } = 8;

    /// <summary>Name under which a <see cref="CnnArchitecture.Custom"/> factory is registered.</summary>
    public string? CustomName { get; init; }

    /// <summary>
    /// Per-channel means the built-in architectures subtract from their input before the first layer (with
    /// <see cref="InputStandardDeviations"/>); null: the input is used as it is.
    /// </summary>
    public IReadOnlyList<float>? InputMeans { get; init; }

    /// <summary>
    /// Per-channel standard deviations the input is divided by after subtracting <see cref="InputMeans"/>.
    /// </summary>
    public IReadOnlyList<float>? InputStandardDeviations { get; init; }

    /// <summary>
    /// torchvision's stem (7×7 convolution with stride 2, then 3×3 max pooling with stride 2), which downsamples large
    /// images 4× before the first stage: instead of ResNet's 3×3 stem, or before SimpleConvNet's first convolution.
    /// </summary>
    public bool DownsamplingStem { get; init; }

    /// <summary>
    /// SimpleConvNet: average-pool the last stage to this many cells per side before the classifier (0: no pooling).
    /// </summary>
    public int PooledSize { get; init; }

    /// <summary>For <see cref="CnnArchitecture.TorchVision"/>: which torchvision network.</summary>
    public TorchVisionModel? TorchVisionModel { get; init; }

    /// <summary>
    /// For <see cref="MLExtensions.TorchVisionModel.MobileNetV2"/>: torchvision's <c>width_mult</c> (1 for the
    /// published weights).
    /// </summary>
    public double WidthMultiplier { get; init; } = 1;

    /// <summary>
    /// For <see cref="CnnArchitecture.Registered"/>: the name of the registered network family that builds the network.
    /// </summary>
    public string? FamilyName { get; init; }

    /// <summary>The family's own settings, saved and read by the family with its config version; null: none or its defaults.</summary>
    public FamilyConfig? FamilyConfig { get; init; }

    /// <summary>
    /// For families with residual blocks that have it (EfficientNet, ConvNeXt): the probability that the deepest block
    /// is skipped for an image while training, falling linearly to 0 for the first (stochastic depth, Huang et al.
    /// 2016); null: the family's own default (torchvision's).
    /// </summary>
    public double? StochasticDepth { get; init; }

    internal void Write(BinaryWriter writer)
    {
        writer.Write((int)Architecture);
        writer.Write(InputShape.Channels);
        writer.Write(InputShape.Height);
        writer.Write(InputShape.Width);
        writer.Write(ClassCount);
        writer.Write((int)Activation);
        writer.Write((int)Normalization);
        WriteInts(writer, Widths);
        WriteInts(writer, Blocks);
        writer.Write(HiddenUnits);
        writer.Write(Dropout);
        writer.Write(NormalizationGroups);
        writer.Write(CustomName ?? "");
        WriteFloats(writer, InputMeans);
        WriteFloats(writer, InputStandardDeviations);
        writer.Write(DownsamplingStem);
        writer.Write(PooledSize);
        writer.Write(TorchVisionModel is { } model ? (int)model : -1);
        writer.Write(WidthMultiplier);
        WriteInts(writer, InnerWidths);
        writer.Write(FamilyName ?? "");
        writer.Write(StochasticDepth ?? -1);
        FamilyConfigSection.Write(writer, this);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    /// <param name="reader">Positioned at the description.</param>
    /// <param name="hasImageSizeFields">False for models written before the input statistics, the stem and the pooled size were saved.</param>
    /// <param name="hasTorchVisionFields">False for models written before torchvision networks.</param>
    /// <param name="hasInnerWidths">False for models written before pruned ResNet blocks.</param>
    /// <param name="hasFamilyConfig">False for models written before registered families and their configs.</param>
    internal static NetworkDescription Read(BinaryReader reader, bool hasImageSizeFields, bool hasTorchVisionFields, bool hasInnerWidths,
        bool hasFamilyConfig)
    {
        var description = ReadCommon(reader);
        if (!hasImageSizeFields)
            return description;
        description = description with
        {
            InputMeans = ReadFloats(reader),
            InputStandardDeviations = ReadFloats(reader),
            DownsamplingStem = reader.ReadBoolean(),
            PooledSize = reader.ReadInt32(),
        };
        if (!hasTorchVisionFields)
            return description;
        int model = reader.ReadInt32();
        description = description with
        {
            TorchVisionModel = model < 0 ? null : ReadEnum<TorchVisionModel>(model),
            WidthMultiplier = reader.ReadDouble(),
        };
        if (!hasInnerWidths)
            return description;
        description = description with { InnerWidths = ReadInts(reader) };
        if (!hasFamilyConfig)
            return description;
        description = description with
        {
            FamilyName = reader.ReadString() is { Length: > 0 } family ? family : null,
            StochasticDepth = reader.ReadDouble() is var p and >= 0 ? p : null,
        };
        return FamilyConfigSection.Read(reader, description);
    }

    private static NetworkDescription ReadCommon(BinaryReader reader) => new()
    {
        Architecture = ReadEnum<CnnArchitecture>(reader),
        InputShape = new ImageShape(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()),
        ClassCount = reader.ReadInt32(),
        Activation = ReadEnum<ActivationKind>(reader),
        Normalization = ReadEnum<NormalizationKind>(reader),
        Widths = ReadInts(reader),
        Blocks = ReadInts(reader),
        HiddenUnits = reader.ReadInt32(),
        Dropout = reader.ReadDouble(),
        NormalizationGroups = reader.ReadInt32(),
        CustomName = reader.ReadString() is { Length: > 0 } name ? name : null,
    };

    private static void WriteInts(BinaryWriter writer, IReadOnlyList<int> values)
    {
        writer.Write(values.Count);
        foreach (var value in values)
            writer.Write(value);
    }

    // Length −1 for null.
    private static void WriteFloats(BinaryWriter writer, IReadOnlyList<float>? values)
    {
        writer.Write(values?.Count ?? -1);
        foreach (var value in values ?? [])
            writer.Write(value);
    }

    private static float[]? ReadFloats(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0)
            return null;
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = reader.ReadSingle();
        return values;
    }

    private static int[] ReadInts(BinaryReader reader)
    {
        var values = new int[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++)
            values[i] = reader.ReadInt32();
        return values;
    }

    private static T ReadEnum<T>(BinaryReader reader) where T : struct, Enum => ReadEnum<T>(reader.ReadInt32());

    private static T ReadEnum<T>(int stored) where T : struct, Enum
    {
        var value = (T)(object)stored;
        return Enum.IsDefined(value) ? value : throw new InvalidDataException($"The model holds an unknown {typeof(T).Name} value {value}.");
    }

    /// <inheritdoc />
    public bool Equals(NetworkDescription? other)
        => other is not null && Architecture == other.Architecture && InputShape == other.InputShape && ClassCount == other.ClassCount
           && Activation == other.Activation && Normalization == other.Normalization && Widths.SequenceEqual(other.Widths)
           && Blocks.SequenceEqual(other.Blocks) && InnerWidths.SequenceEqual(other.InnerWidths) && HiddenUnits == other.HiddenUnits && Dropout.Equals(other.Dropout)
           && NormalizationGroups == other.NormalizationGroups && CustomName == other.CustomName
           && SameValues(InputMeans, other.InputMeans) && SameValues(InputStandardDeviations, other.InputStandardDeviations)
           && DownsamplingStem == other.DownsamplingStem && PooledSize == other.PooledSize
           && TorchVisionModel == other.TorchVisionModel && WidthMultiplier.Equals(other.WidthMultiplier)
           && FamilyName == other.FamilyName && Equals(FamilyConfig, other.FamilyConfig) && StochasticDepth == other.StochasticDepth;

    private static bool SameValues(IReadOnlyList<float>? a, IReadOnlyList<float>? b)
        => a is null || b is null ? a is null && b is null : a.SequenceEqual(b);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Architecture, InputShape, ClassCount, Activation, Normalization, HiddenUnits, CustomName);
}
