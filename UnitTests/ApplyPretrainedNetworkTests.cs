using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;
using SkiaSharp;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>A pretrained network used as it is: PyTorch's probabilities on float input, ImageNet preprocessing on photos of any size.</summary>
[TestClass]
public sealed class ApplyPretrainedNetworkTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly string[] Names = [.. Enumerable.Range(0, 10).Select(i => $"class {i}")];

    private sealed class PhotoRow
    {
        public string Path { get; set; } = "";
    }

    [TestMethod]
    public void FloatImagesGetPyTorchsProbabilitiesWithClassNames()
    {
        var ml = new MLContext(seed: 1);
        var input = TorchVisionReference.Input();
        var images = Enumerable.Range(0, 2).Select(i => input[i].flatten().data<float>().ToArray()).ToArray();
        var data = TestData.Images(ml, images, 3, 64, 64);
        var network = PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV2, TorchVisionReference.Weights("mobilenet_v2", ".safetensors"), Names, 0.25);

        var model = ml.Transforms.ApplyPretrainedNetwork(network, inputColumnName: "Pixels").Fit(data);
        var scored = model.Transform(data);
        var expected = TorchVisionReference.Logits("mobilenet_v2").softmax(1);
        var actual = tensor(TestData.ReadVectors(scored, "Score").SelectMany(v => v).ToArray()).view(2, 10);
        double error = (actual - expected).abs().max().item<float>();
        Assert.IsTrue(error < 1e-5, $"probabilities differ from PyTorch's by {error:E2}");

        VBuffer<ReadOnlyMemory<char>> slots = default;
        scored.Schema["Score"].GetSlotNames(ref slots);
        CollectionAssert.AreEqual(Names, slots.DenseValues().Select(s => s.ToString()).ToArray());
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(expected.argmax(1).data<long>().Select(k => (uint)k + 1).ToArray(), predicted);

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var reloaded = ml.Model.Load(stream, out _);
        CollectionAssert.AreEqual(TestData.ReadVectors(scored, "Score").SelectMany(v => v).ToArray(),
            TestData.ReadVectors(reloaded.Transform(data), "Score").SelectMany(v => v).ToArray());
    }

    [TestMethod]
    public void PhotosOfAnySizeAreResizedAndNormalisedWithImageNetStatistics()
    {
        var ml = new MLContext(seed: 1);
        var folder = TestContext.TestRunDirectory ?? Path.GetTempPath();
        var random = new Random(4);
        var paths = new[] { (300, 200), (150, 260) }.Select((size, i) =>
        {
            var path = Path.Combine(folder, $"photo-{Guid.NewGuid():N}.png");
            File.WriteAllBytes(path, ImageFolderData.Tinted(ImageFolderData.Classes[i], size.Item1, size.Item2, random, png: true));
            return path;
        }).ToArray();
        var data = ml.Transforms.LoadImages("Image", null, "Path")
            .Fit(ml.Data.LoadFromEnumerable(paths.Select(p => new PhotoRow { Path = p })))
            .Transform(ml.Data.LoadFromEnumerable(paths.Select(p => new PhotoRow { Path = p })));
        var network = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionReference.Weights("resnet18", ".pt"));

        var model = ml.Transforms.ApplyPretrainedNetwork(network, inputColumnName: "Image").Fit(data);
        Assert.AreEqual(new ImageShape(3, 224, 224), model.Description.InputShape);
        var actual = tensor(TestData.ReadVectors(model.Transform(data), "Score").SelectMany(v => v).ToArray()).view(2, 10);

        // By hand: cover 224×224 and centre-crop, scale to [0, 1], standardize with ImageNet's mean and deviation.
        var pixels = new float[2 * 3 * 224 * 224];
        var planes = new byte[BytePixels.StoredChannels * 224 * 224];
        for (int i = 0; i < 2; i++)
        {
            using var image = MLImage.CreateFromFile(paths[i]);
            ImageResizing.CoverAndCrop(image, 224, 224, planes);
            BytePixels.ToFloats(planes, 3, pixels.AsSpan(i * 3 * 224 * 224, 3 * 224 * 224));
        }
        var raw = tensor(pixels).view(2, 3, 224, 224);
        var normalised = (raw - tensor(new[] { 0.485f, 0.456f, 0.406f }).view(1, 3, 1, 1)) / tensor(new[] { 0.229f, 0.224f, 0.225f }).view(1, 3, 1, 1);
        using var plain = network.CreateNetwork();
        using var noGrad = no_grad();
        var expected = plain.forward(normalised).softmax(1);
        double error = (actual - expected).abs().max().item<float>();
        Assert.IsTrue(error < 1e-5, $"probabilities differ from the hand-made ImageNet preprocessing by {error:E2}");
        double unnormalised = (actual - plain.forward(raw).softmax(1)).abs().max().item<float>();
        Assert.IsTrue(unnormalised > 1e-3, $"without the normalisation the probabilities would differ by only {unnormalised:E2}");
    }
}
