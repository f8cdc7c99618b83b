using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/augmentation.md</summary>
internal static class Augmentation
{
    internal static ImageCnnTrainer.Options Policy(FashionMnistData data)
    {
        var augmentation = new ImageAugmentation(seed: 7).HorizontalFlip(0.5).RandomCrop(padding: 2).RandomErasing(0.25, maxArea: 0.15);
        augmentation.Preview(data.Test, "Features", "augmentation-preview.png");   // look at it first
        var options = new ImageCnnTrainer.Options { Augmentation = augmentation, /* ... */ };
        return options;
    }
}
