namespace MLExtensions.Cnn;

/// <summary>
/// The settings whose default depends on the image size: photo-sized images (at least
/// <see cref="ImageCnnTrainer.LargeImageSize"/> pixels high and wide) get a ResNet trained with a cosine-decaying
/// learning rate; smaller images (Fashion-MNIST, CIFAR) keep SimpleConvNet at a constant rate.
/// </summary>
internal static class ImageSizeDefaults
{
    internal static bool IsLarge(ImageShape shape)
        => shape.Height >= ImageCnnTrainer.LargeImageSize && shape.Width >= ImageCnnTrainer.LargeImageSize;

    /// <summary>The architecture the options ask for, or the one for the image size when they leave it null.</summary>
    internal static CnnArchitecture Architecture(CnnArchitecture? chosen, ImageShape shape)
        => chosen ?? (IsLarge(shape) ? CnnArchitecture.ResNet : CnnArchitecture.SimpleConvNet);

    /// <summary>The schedule the options ask for, or the one for the image size when they leave it null.</summary>
    internal static LearningRateSchedule Schedule(LearningRateSchedule? chosen, ImageShape shape)
        => chosen ?? (IsLarge(shape) ? LearningRateSchedule.Cosine() : LearningRateSchedule.Constant());
}
