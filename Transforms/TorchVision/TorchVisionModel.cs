namespace MLExtensions;

/// <summary>
/// torchvision architectures whose PyTorch weights (<c>model.state_dict()</c>, with the same parameter names) load
/// into <c>PretrainedNetwork</c>, and that <c>ImageCnn</c> trains from scratch. Built with torchvision's parameter
/// names (by TorchSharp's TorchVision port, or by MLExtensions where the port lacks the network), so a model that uses
/// one needs no registration call to load. New values are added at the end: a saved model stores the number.
/// </summary>
public enum TorchVisionModel
{
    /// <summary>ResNet-18 (11.7 M parameters with 1,000 classes, as are the counts below; basic blocks).</summary>
    ResNet18,
    /// <summary>ResNet-34 (21.8 M; basic blocks).</summary>
    ResNet34,
    /// <summary>ResNet-50 (25.6 M; bottleneck blocks).</summary>
    ResNet50,
    /// <summary>ResNet-101 (44.5 M).</summary>
    ResNet101,
    /// <summary>ResNet-152 (60.2 M).</summary>
    ResNet152,
    /// <summary>ResNeXt-50 32×4d (25.0 M; grouped convolutions).</summary>
    ResNeXt50_32x4d,
    /// <summary>Wide ResNet-50-2 (68.9 M; twice the bottleneck width).</summary>
    WideResNet50_2,
    /// <summary>Wide ResNet-101-2 (126.9 M).</summary>
    WideResNet101_2,
    /// <summary>MobileNetV2 (3.5 M at width 1; any width multiplier).</summary>
    MobileNetV2,
    /// <summary>MobileNetV3-Large (5.5 M).</summary>
    MobileNetV3Large,
    /// <summary>MobileNetV3-Small (2.5 M).</summary>
    MobileNetV3Small,
    /// <summary>VGG-11 (132.9 M).</summary>
    VGG11,
    /// <summary>VGG-11 with batch normalization.</summary>
    VGG11BN,
    /// <summary>VGG-13 (133.0 M).</summary>
    VGG13,
    /// <summary>VGG-13 with batch normalization.</summary>
    VGG13BN,
    /// <summary>VGG-16 (138.4 M).</summary>
    VGG16,
    /// <summary>VGG-16 with batch normalization.</summary>
    VGG16BN,
    /// <summary>VGG-19 (143.7 M).</summary>
    VGG19,
    /// <summary>VGG-19 with batch normalization.</summary>
    VGG19BN,
    /// <summary>SqueezeNet 1.0 (1.2 M; Fire modules, a convolutional classifier).</summary>
    SqueezeNet1_0,
    /// <summary>SqueezeNet 1.1 (1.2 M; 2.4× less computation than 1.0 at the same accuracy).</summary>
    SqueezeNet1_1,
    /// <summary>DenseNet-121 (8.0 M; growth 32, blocks of 6/12/24/16 layers).</summary>
    DenseNet121,
    /// <summary>DenseNet-161 (28.7 M; growth 48, blocks of 6/12/36/24).</summary>
    DenseNet161,
    /// <summary>DenseNet-169 (14.1 M; growth 32, blocks of 6/12/32/32).</summary>
    DenseNet169,
    /// <summary>DenseNet-201 (20.0 M; growth 32, blocks of 6/12/48/32).</summary>
    DenseNet201,
    /// <summary>ShuffleNetV2 ×0.5 (1.4 M).</summary>
    ShuffleNetV2_x0_5,
    /// <summary>ShuffleNetV2 ×1.0 (2.3 M).</summary>
    ShuffleNetV2_x1_0,
    /// <summary>ShuffleNetV2 ×1.5 (3.5 M).</summary>
    ShuffleNetV2_x1_5,
    /// <summary>ShuffleNetV2 ×2.0 (7.4 M).</summary>
    ShuffleNetV2_x2_0,
    /// <summary>MNASNet 0.5 (2.2 M).</summary>
    MnasNet0_5,
    /// <summary>MNASNet 0.75 (3.2 M).</summary>
    MnasNet0_75,
    /// <summary>MNASNet 1.0 (4.4 M).</summary>
    MnasNet1_0,
    /// <summary>MNASNet 1.3 (6.3 M).</summary>
    MnasNet1_3,
}
