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
    /// weights: see <c>PretrainedNetwork</c>.FromTorchVision.
    /// </summary>
    TorchVision,
    /// <summary>
    /// A network of a family registered by name (<see cref="NetworkDescription.FamilyName"/>): how architectures
    /// beyond these are added to the library (see the design notes).
    /// </summary>
    Registered,
}

/// <summary>Hidden-layer non-linearity.</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    ReLU,
    /// <summary>x for x > 0, 0.01·x otherwise.</summary>
    LeakyReLU,
    /// <summary>x for x > 0, exp(x) − 1 otherwise.</summary>
    ELU,
    /// <summary>Scaled ELU (self-normalizing).</summary>
    SELU,
    /// <summary>x·Φ(x), as in transformers.</summary>
    GELU,
    /// <summary>The hyperbolic tangent (pair it with <see cref="WeightInitialization.Xavier"/>).</summary>
    Tanh,
}

/// <summary>Normalization layer after each convolution.</summary>
public enum NormalizationKind
{
    /// <summary>
    /// Batch normalization: statistics over the batch while training, running averages at prediction.
    /// </summary>
    BatchNorm,
    /// <summary>Group normalization over channel groups of each image (batch-size independent).</summary>
    GroupNorm,
    /// <summary>Normalization over all channels and pixels of each image.</summary>
    LayerNorm,
    /// <summary>Normalization over the pixels of each channel of each image.</summary>
    InstanceNorm,
    /// <summary>No normalization layer.</summary>
    None,
}

/// <summary>How convolution and linear weights are initialised (biases start at zero).</summary>
public enum WeightInitialization
{
    /// <summary>Kaiming/He normal, std = gain/sqrt(fan_in): for the ReLU family.</summary>
    Kaiming,
    /// <summary>Xavier/Glorot uniform, variance 2/(fan_in + fan_out): for tanh-like activations.</summary>
    Xavier,
}
