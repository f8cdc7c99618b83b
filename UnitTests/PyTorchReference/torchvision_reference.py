"""Reference outputs from real PyTorch/torchvision for the pretrained-network tests (run with /usr/bin/python3).

  generate DIR [NAME]     seeded torchvision networks with randomised BatchNorm statistics: their state dicts as
                          NAME.pt (torch.save zip) and NAME.safetensors, a fixed input (input.safetensors), their
                          eval-mode logits (NAME.logits.safetensors), and a legacy (non-zip) torch.save file; without
                          NAME every network but the LARGE ones, which are written one at a time when asked for.
  check NAME WEIGHTS INPUT OUT
                          builds NAME, loads WEIGHTS with load_state_dict(strict=True), writes its eval-mode logits
                          on INPUT to OUT (all .safetensors except WEIGHTS, which may be .pt), computed in float32
                          ("logits") and in float64 ("logits64").

Debian 12 packages no `safetensors` module, so the format (8-byte little-endian header length, JSON header, raw
little-endian data) is read and written here.
"""
import collections
import json
import struct
import sys

import numpy as np
import torch
import torchvision

NETWORKS = {
    "resnet18": lambda: torchvision.models.resnet18(num_classes=10),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.25),
    "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(num_classes=1000),
    "squeezenet1_0": lambda: torchvision.models.squeezenet1_0(num_classes=10),
    "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(num_classes=10),
    "densenet121": lambda: torchvision.models.densenet121(num_classes=10),
    "densenet161": lambda: torchvision.models.densenet161(num_classes=10),
    "densenet169": lambda: torchvision.models.densenet169(num_classes=10),
    "densenet201": lambda: torchvision.models.densenet201(num_classes=10),
    "shufflenet_v2_x0_5": lambda: torchvision.models.shufflenet_v2_x0_5(num_classes=10),
    "shufflenet_v2_x1_0": lambda: torchvision.models.shufflenet_v2_x1_0(num_classes=10),
    "shufflenet_v2_x1_5": lambda: torchvision.models.shufflenet_v2_x1_5(num_classes=10),
    "shufflenet_v2_x2_0": lambda: torchvision.models.shufflenet_v2_x2_0(num_classes=10),
    "mnasnet0_5": lambda: torchvision.models.mnasnet0_5(num_classes=10),
    "mnasnet0_75": lambda: torchvision.models.mnasnet0_75(num_classes=10),
    "mnasnet1_0": lambda: torchvision.models.mnasnet1_0(num_classes=10),
    "mnasnet1_3": lambda: torchvision.models.mnasnet1_3(num_classes=10),
    **{f"efficientnet_b{i}": (lambda i=i: getattr(torchvision.models, f"efficientnet_b{i}")(num_classes=10)) for i in range(8)},
    **{f"efficientnet_v2_{s}": (lambda s=s: getattr(torchvision.models, f"efficientnet_v2_{s}")(num_classes=10)) for s in "sml"},
    **{f"convnext_{s}": (lambda s=s: getattr(torchvision.models, f"convnext_{s}")(num_classes=10)) for s in ["tiny", "small", "base", "large"]},
    **{f"regnet_{s}": (lambda s=s: getattr(torchvision.models, f"regnet_{s}")(num_classes=10))
       for s in ["y_400mf", "y_800mf", "y_1_6gf", "y_3_2gf", "y_8gf", "y_16gf", "y_32gf", "y_128gf",
                 "x_400mf", "x_800mf", "x_1_6gf", "x_3_2gf", "x_8gf", "x_16gf", "x_32gf"]},
    # Without the auxiliary classifiers, as MLExtensions builds it; with them, as torchvision's own files come.
    "googlenet": lambda: torchvision.models.googlenet(num_classes=10, aux_logits=False, init_weights=True),
    "googlenet_aux": lambda: torchvision.models.googlenet(num_classes=10, aux_logits=True, init_weights=True),
}
# Written only when a test asks for them (hundreds of MB each), and deleted by it afterwards.
LARGE = {"efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "efficientnet_v2_m", "efficientnet_v2_l",
         "convnext_small", "convnext_base", "convnext_large",
         "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf", "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf"}
DTYPES = {torch.float32: ("F32", np.float32), torch.int64: ("I64", np.int64)}
CODES = {code: numpy for code, numpy in DTYPES.values()}


def save_safetensors(tensors, path):
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        code, numpy_type = DTYPES[tensor.dtype]
        data = tensor.detach().contiguous().numpy().astype(numpy_type).tobytes()
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def load_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=CODES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def randomise(network, seed):
    """Non-trivial BatchNorm statistics and affine parameters, so that buffers matter in the comparison, and linear
    layers at unit gain (torchvision initialises some classifiers at std 0.01, which would leave logits near zero)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.copy_(torch.rand(module.running_mean.shape, generator=generator) - 0.5)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
                module.num_batches_tracked.fill_(7)
            elif isinstance(module, torch.nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) / module.in_features ** 0.5)
            elif isinstance(module, torch.nn.LayerNorm):
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
        # ConvNeXt's layer scale starts at 1e-6, which would hide its blocks from the comparison.
        for name, parameter in network.named_parameters():
            if name.endswith("layer_scale"):
                parameter.copy_(torch.rand(parameter.shape, generator=generator) * 0.5 + 0.25)
        # A convolutional classifier (SqueezeNet's) at unit gain too.
        last = getattr(network, "classifier", None)
        if isinstance(last, torch.nn.Sequential) and isinstance(last[1], torch.nn.Conv2d):
            last[1].weight.copy_(torch.randn(last[1].weight.shape, generator=generator) / last[1].in_channels ** 0.5)
            last[1].bias.copy_(torch.rand(last[1].bias.shape, generator=generator))


def logits(network, image):
    network.eval()
    with torch.no_grad():
        return network(image)


def generate(directory, only=None):
    image = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    save_safetensors({"input": image}, f"{directory}/input.safetensors")
    names = [only] if only else [name for name in NETWORKS if name not in LARGE]
    for name in names:
        build, index = NETWORKS[name], list(NETWORKS).index(name)
        torch.manual_seed(100 + index)
        network = build()
        randomise(network, 200 + index)
        state = network.state_dict()
        torch.save(state, f"{directory}/{name}.pt")
        save_safetensors(state, f"{directory}/{name}.safetensors")
        save_safetensors({"logits": logits(network, image)}, f"{directory}/{name}.logits.safetensors")
        if name == "mobilenet_v2":
            torch.save(state, f"{directory}/{name}.legacy.pt", _use_new_zipfile_serialization=False)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}: wrote {', '.join(names)} to {directory}")


def check(name, weights, input_path, output_path):
    network = NETWORKS[name]()
    state = load_safetensors(weights) if weights.endswith(".safetensors") else torch.load(weights)
    if getattr(state, "_metadata", None) is None:
        # Files other than torch.save's carry no module versions, and torchvision's MNASNet refuses a state dict
        # without its version; as a user loading such a file does, take them from the network itself.
        state = collections.OrderedDict(state)
        state._metadata = network.state_dict()._metadata
    network.load_state_dict(state, strict=True)
    image = load_safetensors(input_path)["input"]
    float32 = logits(network, image)
    # The same in float64, to tell how far float32 itself can be from the exact logits for these weights (a trained
    # network's batch norms with tiny running variances amplify rounding).
    float64 = logits(network.double(), image.double()).float()
    save_safetensors({"logits": float32, "logits64": float64}, output_path)
    print(f"{name}: loaded {len(state)} entries strictly from {weights}")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif sys.argv[1] == "check":
        check(*sys.argv[2:6])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
