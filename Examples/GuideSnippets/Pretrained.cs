using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/pretrained.md</summary>
internal static class Pretrained
{
    internal static void TorchVision(MLContext mlContext, string[] imageNetNames)
    {
        // Weights saved by PyTorch: .safetensors (preferred) or torch.save(model.state_dict())'s .pt; told apart by content.
        var resnet = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet50, "resnet50.safetensors");

        // Fine-tune on a folder of photos of any size: they are read at 224×224 with ImageNet's normalisation.
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(mlContext.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
            {
                Pretrained = resnet, FeatureColumnName = "Image", Strategy = FineTuneStrategy.TopBlocks(2), Epochs = 5,
            }));
        var model = pipeline.Fit(mlContext.Data.LoadImagesFromFolder("photos"));

        // Or classify with the network as it is (1000 ImageNet classes; slot names when you pass classNames).
        var classify = mlContext.Transforms.ApplyPretrainedNetwork(
            PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV3Large, "mobilenet_v3_large.pt", classNames: imageNetNames),
            inputColumnName: "Image");

        // And back to PyTorch: torchvision's names, loadable with load_state_dict(strict=True).
        model.LastTransformer.ExportWeights("fine-tuned.safetensors");
    }
}
