using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using MLExtensions.Images;
using MLExtensions.TorchVision;

namespace MLExtensions.Pretrained;

/// <summary>
/// The preprocessing torchvision's weights expect, applied when a torchvision network reads an image column
/// (<c>LoadImages</c> or raw image bytes): images of any size are scaled to cover 224×224 and centre-cropped, read as
/// RGB in [0, 1], and the network standardizes them with ImageNet's per-channel mean and standard deviation. A float
/// vector column is fed to the network as it is: its normalisation is the user's.
/// </summary>
internal sealed class PretrainedInputPreset
{
    private readonly bool _imageNet;
    private readonly bool _sizeUnknown;

    private PretrainedInputPreset(bool imageNet, bool sizeUnknown)
    {
        _imageNet = imageNet;
        _sizeUnknown = sizeUnknown;
    }

    internal static PretrainedInputPreset For(NetworkDescription pretrained, DataViewSchema schema, string featureColumnName)
    {
        if (pretrained.Architecture != CnnArchitecture.TorchVision || schema.GetColumnOrNull(featureColumnName) is not { } column)
            return new PretrainedInputPreset(false, false);
        bool images = ImageColumn.HasBytes(column);
        bool sizeUnknown = ImageColumn.IsEncoded(column) || column.Type is ImageDataViewType { Height: 0 } or ImageDataViewType { Width: 0 };
        return new PretrainedInputPreset(images, images && sizeUnknown);
    }


    /// <summary>
    /// For schema checks before the data is seen: a torchvision network's options with its input size when none is
    /// set, as <see cref="ApplyTo"/> gives them for images of unknown size.
    /// </summary>
    internal static T WithDefaultSize<T>(NetworkDescription pretrained, T options) where T : CnnTrainingOptions
        => pretrained.Architecture == CnnArchitecture.TorchVision ? new PretrainedInputPreset(true, true).ApplyTo(options) : options;

    /// <summary>The options with torchvision's input size (3×224×224) when the images' size is unknown and none is set.</summary>
    internal T ApplyTo<T>(T options) where T : CnnTrainingOptions
    {
        if (!_sizeUnknown || options.ImageHeight is not null || options.ImageWidth is not null)
            return options;
        var sized = options.Copy<T>();
        sized.ImageHeight = sized.ImageWidth = TorchVisionNetworks.ImageNetInputSize;
        sized.Channels ??= 3;
        return sized;
    }

    /// <summary>For a torchvision network: ImageNet's statistics when it reads images, none when it reads floats.</summary>
    internal NetworkDescription Describe(NetworkDescription description)
        => description.Architecture != CnnArchitecture.TorchVision ? description
            : _imageNet ? description with { InputMeans = TorchVisionNetworks.ImageNetMeans, InputStandardDeviations = TorchVisionNetworks.ImageNetStandardDeviations }
            : description with { InputMeans = null, InputStandardDeviations = null };
}
