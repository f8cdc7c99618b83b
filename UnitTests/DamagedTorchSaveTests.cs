using System.IO.Compression;

namespace MLExtensions.UnitTests;

/// <summary>
/// A torch.save file whose storages do not match what its pickle says is refused before loading, naming the file and
/// the tensor; a short storage would otherwise load padded with zeros. (Intact files from real PyTorch pass the same
/// checks in the torchvision tests.)
/// </summary>
[TestClass]
public sealed class DamagedTorchSaveTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(true, DisplayName = "a storage cut short")]
    [DataRow(false, DisplayName = "a storage missing")]
    public void AStorageThatDoesNotMatchItsTensorIsRefusedByName(bool truncate)
    {
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"damaged-{Guid.NewGuid():N}.pt");
        File.Copy(TorchVisionReference.Weights("resnet18", ".pt"), path);
        var zip = File.ReadAllBytes(path);
        string storage = new ZipArchive(new MemoryStream(zip)).Entries.Single(e => e.FullName.EndsWith("/data/0", StringComparison.Ordinal)).FullName;
        var content = ZipEntries.Read(zip, storage);
        File.WriteAllBytes(path, ZipEntries.With(zip, storage, truncate ? content[..(content.Length / 2)] : null));

        var error = Assert.ThrowsExactly<InvalidDataException>(() => PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, path));
        StringAssert.Contains(error.Message, $"The PyTorch file '{path}' is damaged");
        StringAssert.Contains(error.Message, truncate ? "storage '0' should hold" : "names storage '0', which the file does not hold");
        StringAssert.Contains(error.Message, "tensor '");
    }
}
