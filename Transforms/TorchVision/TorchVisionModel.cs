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
    /// <summary>EfficientNet-B0 (5.3 M; MBConv blocks with squeeze-and-excitation, SiLU, stochastic depth).</summary>
    EfficientNetB0,
    /// <summary>EfficientNet-B1 (7.8 M; weights evaluated at 240×240).</summary>
    EfficientNetB1,
    /// <summary>EfficientNet-B2 (9.1 M; 288×288).</summary>
    EfficientNetB2,
    /// <summary>EfficientNet-B3 (12.2 M; 300×300).</summary>
    EfficientNetB3,
    /// <summary>EfficientNet-B4 (19.3 M; 380×380).</summary>
    EfficientNetB4,
    /// <summary>EfficientNet-B5 (30.4 M; 456×456).</summary>
    EfficientNetB5,
    /// <summary>EfficientNet-B6 (43.0 M; 528×528).</summary>
    EfficientNetB6,
    /// <summary>EfficientNet-B7 (66.3 M; 600×600).</summary>
    EfficientNetB7,
    /// <summary>EfficientNetV2-S (21.5 M; fused MBConv in the early stages; 384×384).</summary>
    EfficientNetV2S,
    /// <summary>EfficientNetV2-M (54.1 M; 480×480).</summary>
    EfficientNetV2M,
    /// <summary>EfficientNetV2-L (118.5 M; 480×480).</summary>
    EfficientNetV2L,
    /// <summary>ConvNeXt-Tiny (28.6 M; depthwise 7×7, layer norm, layer scale, stochastic depth).</summary>
    ConvNeXtTiny,
    /// <summary>ConvNeXt-Small (50.2 M).</summary>
    ConvNeXtSmall,
    /// <summary>ConvNeXt-Base (88.6 M).</summary>
    ConvNeXtBase,
    /// <summary>ConvNeXt-Large (197.8 M).</summary>
    ConvNeXtLarge,
    /// <summary>RegNetY-400MF (4.3 M; grouped bottlenecks with squeeze-and-excitation).</summary>
    RegNetY_400MF,
    /// <summary>RegNetY-800MF (6.4 M).</summary>
    RegNetY_800MF,
    /// <summary>RegNetY-1.6GF (11.2 M).</summary>
    RegNetY_1_6GF,
    /// <summary>RegNetY-3.2GF (19.4 M).</summary>
    RegNetY_3_2GF,
    /// <summary>RegNetY-8GF (39.4 M).</summary>
    RegNetY_8GF,
    /// <summary>RegNetY-16GF (83.6 M).</summary>
    RegNetY_16GF,
    /// <summary>RegNetY-32GF (145.0 M).</summary>
    RegNetY_32GF,
    /// <summary>RegNetY-128GF (644.8 M; torchvision publishes only SWAG weights for it, evaluated at 384×384).</summary>
    RegNetY_128GF,
    /// <summary>RegNetX-400MF (5.5 M; grouped bottlenecks).</summary>
    RegNetX_400MF,
    /// <summary>RegNetX-800MF (7.3 M).</summary>
    RegNetX_800MF,
    /// <summary>RegNetX-1.6GF (9.2 M).</summary>
    RegNetX_1_6GF,
    /// <summary>RegNetX-3.2GF (15.3 M).</summary>
    RegNetX_3_2GF,
    /// <summary>RegNetX-8GF (39.6 M).</summary>
    RegNetX_8GF,
    /// <summary>RegNetX-16GF (54.3 M).</summary>
    RegNetX_16GF,
    /// <summary>RegNetX-32GF (107.8 M).</summary>
    RegNetX_32GF,
    /// <summary>GoogLeNet (6.6 M; Inception modules; built without the auxiliary classifiers its original training used).</summary>
    GoogLeNet,
}
