namespace MLExtensions;

/// <summary>The network <c>ImageCnn</c> trains.</summary>
public enum CnnArchitecture
{
    /// <summary>
    /// Two conv-norm-activation-maxpool stages, a hidden fully-connected layer with dropout, a linear classifier
    /// (ImageCnn's default for images smaller than 64×64).
    /// </summary>
    SimpleConvNet,
    /// <summary>
    /// A small ResNet: basic residual blocks, 1×1 projection shortcuts, global average pooling (ImageCnn's default
    /// for images of 64×64 pixels and more).
    /// </summary>
    ResNet,
    /// <summary>A network built by a user factory registered with <see cref="CustomArchitectures"/>.</summary>
    Custom,
    /// <summary>
    /// A torchvision network (<see cref="NetworkDescription.TorchVisionModel"/>), usually with PyTorch's pretrained
    /// weights: see <see cref="PretrainedNetwork"/>.FromTorchVision.
    /// </summary>
    TorchVision,
}

/// <summary>Hidden-layer non-linearity.</summary>
public enum ActivationKind { ReLU, LeakyReLU, ELU, SELU, GELU, Tanh }

/// <summary>Normalization layer after each convolution.</summary>
public enum NormalizationKind { BatchNorm, GroupNorm, LayerNorm, InstanceNorm, None }

/// <summary>How convolution and linear weights are initialised (biases start at zero).</summary>
public enum WeightInitialization
{
    /// <summary>Kaiming/He normal, std = gain/sqrt(fan_in): for the ReLU family.</summary>
    Kaiming,
    /// <summary>Xavier/Glorot uniform, variance 2/(fan_in + fan_out): for tanh-like activations.</summary>
    Xavier,
}
