using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using MLExtensions.Images;
using MLExtensions.Architectures;

namespace MLExtensions.Pretrained;

/// <summary>
/// The preprocessing a family's published weights expect (<see cref="NetworkFamily.PretrainedInput"/>: torchvision's
/// ImageNet preset), applied when such a network reads an image column (<c>LoadImages</c> or raw image bytes): images
/// of any size are scaled to cover the preset's size and centre-cropped, read as RGB in [0, 1], and the network
/// standardizes them with the preset's per-channel mean and standard deviation. A float vector column is fed to the
/// network as it is: its normalisation is the user's.
/// </summary>
internal sealed class PretrainedInputPreset
{
    private readonly InputPreset? _preset;
    private readonly bool _images;
    private readonly bool _sizeUnknown;

    private PretrainedInputPreset(InputPreset? preset, bool images, bool sizeUnknown)
    {
        _preset = preset;
        _images = images;
        _sizeUnknown = sizeUnknown;
    }

    internal static PretrainedInputPreset For(NetworkDescription pretrained, DataViewSchema schema, string featureColumnName)
    {
        var preset = NetworkFamilies.Of(pretrained).PretrainedInput(pretrained);
        if (preset is null || schema.GetColumnOrNull(featureColumnName) is not { } column)
            return new PretrainedInputPreset(preset, false, false);
        bool images = ImageColumn.HasBytes(column);
        bool sizeUnknown = ImageColumn.IsEncoded(column) || column.Type is ImageDataViewType { Height: 0 } or ImageDataViewType { Width: 0 };
        return new PretrainedInputPreset(preset, images, images && sizeUnknown);
    }


    /// <summary>
    /// For schema checks before the data is seen: the options with the preset's input size when none is set, as
    /// <see cref="ApplyTo"/> gives them for images of unknown size.
    /// </summary>
    internal static T WithDefaultSize<T>(NetworkDescription pretrained, T options) where T : CnnTrainingOptions
        => NetworkFamilies.Of(pretrained).PretrainedInput(pretrained) is { } preset ? new PretrainedInputPreset(preset, true, true).ApplyTo(options) : options;

    /// <summary>The options with the preset's input size (e.g. 3×224×224) when the images' size is unknown and none is set.</summary>
    internal T ApplyTo<T>(T options) where T : CnnTrainingOptions
    {
        if (_preset is null || !_sizeUnknown || options.ImageHeight is not null || options.ImageWidth is not null)
            return options;
        var sized = options.Copy<T>();
        sized.ImageHeight = sized.ImageWidth = _preset.Size;
        sized.Channels ??= 3;
        return sized;
    }

    /// <summary>For a network with a preset: the preset's statistics when it reads images, none when it reads floats.</summary>
    internal NetworkDescription Describe(NetworkDescription description)
        => _preset is null ? description
            : _images ? description with { InputMeans = _preset.Means.ToArray(), InputStandardDeviations = _preset.StandardDeviations.ToArray() }
            : description with { InputMeans = null, InputStandardDeviations = null };
}
