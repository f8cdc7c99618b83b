namespace MLExtensions;

/// <summary>
/// torchvision architectures whose PyTorch weights (<c>model.state_dict()</c>, with the same parameter names) load
/// into <see cref="PretrainedNetwork"/>. Built by TorchSharp's TorchVision port, so a model that uses one needs no
/// registration call to load.
/// </summary>
public enum TorchVisionModel
{
    ResNet18,
    ResNet34,
    ResNet50,
    ResNet101,
    ResNet152,
    ResNeXt50_32x4d,
    WideResNet50_2,
    WideResNet101_2,
    MobileNetV2,
    MobileNetV3Large,
    MobileNetV3Small,
    VGG11,
    VGG11BN,
    VGG13,
    VGG13BN,
    VGG16,
    VGG16BN,
    VGG19,
    VGG19BN,
}
