using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>Writes a fitted network's weights in PyTorch's formats.</summary>
public static class WeightsExport
{
    /// <summary>
    /// Saves the network's state dict (every parameter and buffer, as CPU tensors) to <paramref name="path"/>:
    /// <c>.safetensors</c>, or <c>.pt</c>/<c>.pth</c> in <c>torch.save</c>'s format. A torchvision network's file
    /// loads into the same torchvision architecture in PyTorch with <c>load_state_dict(strict=True)</c>; a model that
    /// standardizes image input (<see cref="NetworkDescription.InputMeans"/>) expects that done before the network there.
    /// </summary>
    public static void ExportWeights(this ImageCnnTransformer model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".safetensors" or ".pt" or ".pth"))
            throw new ArgumentException($"Cannot tell the format of '{path}' from its extension '{extension}': use .safetensors, .pt or .pth.", nameof(path));
        using var scope = NewDisposeScope();
        var weights = model.Network.state_dict().ToDictionary(e => e.Key, e => e.Value.detach().cpu());
        if (extension == ".safetensors")
            Safetensors.SaveStateDict(path, weights);
        else
            PyTorchPickler.PickleStateDict(path, weights);
    }
}
