using System.Text;

namespace MLExtensions.UnitTests;

/// <summary>
/// A .safetensors file whose header does not add up is refused before any tensor is read, naming the file and the
/// tensor: overlapping tensors would load silently as wrong weights, the rest failed with errors naming neither.
/// (Valid files, written by real PyTorch, pass the same checks in the torchvision tests.)
/// </summary>
[TestClass]
public sealed class DamagedSafetensorsTests
{
    private const string Valid = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2,1],"data_offsets":[8,16]}}""";

    private static readonly (string Name, Func<byte[]> File, string[] Message)[] Cases =
    [
        ("overlapping tensors", () => File("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 16),
            ["tensors 'a' (bytes 0-8) and 'b' (bytes 4-12) share bytes"]),
        ("offsets past the end", () => File(Valid, 12), ["tensor 'b' ends at byte 16 of the data, which holds only 12 bytes"]),
        ("a tensor shorter than its shape", () => File("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8),
            ["tensor 'a' (F32 [3]) needs 12 bytes, but its data_offsets [0, 8] hold 8"]),
        ("an unknown dtype", () => File("""{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}""", 8), ["tensor 'a' has the unknown dtype 'F33'"]),
        ("a header that is not UTF-8", () => WithHeaderByte(File(Valid, 16), 3, 0xFF), ["header is not valid UTF-8"]),
        ("a header that is not JSON", () => File("""{"a":{"dtype":"F32",""", 8), ["header is not JSON"]),
        ("a header length past the file", () => WithLength(File(Valid, 16), 1_000_000), ["header length reads as 1000000 bytes"]),
        ("a tensor without offsets", () => File("""{"a":{"dtype":"F32","shape":[2]}}""", 8), ["tensor 'a' does not have a dtype, a shape of whole numbers and two data_offsets"]),
        ("negative offsets", () => File("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8), ["tensor 'a' has a negative dimension or data_offsets"]),
    ];

    public static IEnumerable<object[]> CaseNames => Cases.Select(c => new object[] { c.Name });

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void ADamagedHeaderIsRefusedNamingTheFileAndTheTensor(string name)
    {
        var (_, file, message) = Cases.Single(c => c.Name == name);
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"damaged-{Guid.NewGuid():N}.safetensors");
        System.IO.File.WriteAllBytes(path, file());
        var error = Assert.ThrowsExactly<InvalidDataException>(() => PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, path));
        StringAssert.Contains(error.Message, $"The .safetensors file '{path}' is damaged");
        foreach (var part in message)
            StringAssert.Contains(error.Message, part);
    }

    [TestMethod]
    public void AValidHeaderPassesAndTheFileIsThenJudgedByItsEntries()
    {
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"valid-{Guid.NewGuid():N}.safetensors");
        System.IO.File.WriteAllBytes(path, File(Valid, 16));
        var error = Assert.ThrowsExactly<ArgumentException>(() => PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, path));
        Assert.IsFalse(error.Message.Contains("damaged"), error.Message);
        StringAssert.Contains(error.Message, "2 of the file's entries are not in the network, first 'a' (shape [2])");
    }

    /// <summary>A safetensors file: the header's length (8 bytes, little-endian), the header, then data bytes.</summary>
    private static byte[] File(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[dataBytes]];
    }

    private static byte[] WithHeaderByte(byte[] file, int index, byte value)
    {
        file[8 + index] = value;
        return file;
    }

    private static byte[] WithLength(byte[] file, ulong length)
    {
        BitConverter.GetBytes(length).CopyTo(file, 0);
        return file;
    }
}
