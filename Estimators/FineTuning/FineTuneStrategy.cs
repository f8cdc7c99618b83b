namespace MLExtensions;

/// <summary>
/// How close the new images are to the ones the network was pretrained on: a hint for
/// <see cref="FineTuneStrategy.Auto"/>.
/// </summary>
public enum DomainSimilarity
{
    /// <summary>Same kind of images (e.g. other classes of the same photo style).</summary>
    Similar,
    /// <summary>A different kind of images (e.g. medical scans after natural photos).</summary>
    Different,
}

/// <summary>Which parts of a pretrained network <see cref="FineTuneTrainer"/> trains, and when.</summary>
public sealed class FineTuneStrategy
{
    /// <summary>The strategies, as <see cref="StrategyKind"/> names them.</summary>
    public enum Kind
    {
        /// <summary><see cref="FineTuneStrategy.LinearProbe"/>: the new head only.</summary>
        LinearProbe,
        /// <summary><see cref="FineTuneStrategy.TopBlocks"/>: the head and the last blocks.</summary>
        TopBlocks,
        /// <summary><see cref="FineTuneStrategy.Full"/>: every parameter.</summary>
        Full,
        /// <summary><see cref="FineTuneStrategy.Gradual"/>: the head, then one more block at a time.</summary>
        Gradual,
        /// <summary><see cref="FineTuneStrategy.Auto"/>: chosen from the data size and domain.</summary>
        Auto,
    }

    private FineTuneStrategy(Kind kind, int blocks = 0, int headEpochs = 0, int epochsPerBlock = 0)
    {
        StrategyKind = kind;
        Blocks = blocks;
        HeadEpochs = headEpochs;
        EpochsPerBlock = epochsPerBlock;
    }

    /// <summary>Which of the strategies this is.</summary>
    public Kind StrategyKind { get; }

    /// <summary>For <see cref="TopBlocks"/>: how many body blocks, counted from the head, train with it.</summary>
    public int Blocks { get; }

    /// <summary>For <see cref="Gradual"/>: epochs that train the head alone.</summary>
    public int HeadEpochs { get; }

    /// <summary>For <see cref="Gradual"/>: epochs between unfreezing one more block (from the head down).</summary>
    public int EpochsPerBlock { get; }

    /// <summary>
    /// Freeze the whole body and train the new head only (on cached body features when nothing is augmented).
    /// </summary>
    public static FineTuneStrategy LinearProbe { get; } = new(Kind.LinearProbe);

    /// <summary>Train every parameter.</summary>
    public static FineTuneStrategy Full { get; } = new(Kind.Full);

    /// <summary>
    /// Choose by the classic rule from the training-set size and <see cref="FineTuneTrainer.Options.Similarity"/>;
    /// see <see cref="Choose"/>.
    /// </summary>
    public static FineTuneStrategy Auto { get; } = new(Kind.Auto);

    /// <summary>Train the head and the last <paramref name="blocks"/> body blocks; freeze the rest.</summary>
    public static FineTuneStrategy TopBlocks(int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        return new(Kind.TopBlocks, blocks: blocks);
    }

    /// <summary>
    /// Train the head alone for <paramref name="headEpochs"/>, then unfreeze one more block every
    /// <paramref name="epochsPerBlock"/> epochs, from the top down.
    /// </summary>
    public static FineTuneStrategy Gradual(int headEpochs = 1, int epochsPerBlock = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochsPerBlock, 1);
        return new(Kind.Gradual, headEpochs: headEpochs, epochsPerBlock: epochsPerBlock);
    }

    /// <summary>
    /// The rule <see cref="Auto"/> applies (training checklist §7):
    /// little data and a similar domain → <see cref="LinearProbe"/>;
    /// much data and a similar domain → the top half of the blocks;
    /// much data and a different domain → <see cref="Full"/>;
    /// little data and a different domain → the top block only (the checklist's "linear classifiers on features
    /// from several stages" would need another network shape; retraining only the top block keeps the generic
    /// early features and keeps the trained parameters few).
    /// "Little" is fewer than <paramref name="littleDataImagesPerClass"/> training images per class.
    /// </summary>
    public static FineTuneStrategy Choose(int imagesPerClass, DomainSimilarity similarity, int bodyBlocks, int littleDataImagesPerClass = 1000)
    {
        bool little = imagesPerClass < littleDataImagesPerClass;
        return (little, similarity) switch
        {
            (true, DomainSimilarity.Similar) => LinearProbe,
            (false, DomainSimilarity.Similar) => TopBlocks(Math.Max(1, bodyBlocks / 2)),
            (true, DomainSimilarity.Different) => TopBlocks(1),
            _ => Full,
        };
    }

    /// <inheritdoc />
    public override string ToString() => StrategyKind switch
    {
        Kind.TopBlocks => $"TopBlocks({Blocks})",
        Kind.Gradual => $"Gradual(head {HeadEpochs} epochs, then a block every {EpochsPerBlock})",
        _ => StrategyKind.ToString(),
    };
}
