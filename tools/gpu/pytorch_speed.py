"""Training and inference speed of ImageCnn's networks in plain PyTorch, the reference for `Benchmarks -- --versus-pytorch`.

  pytorch_speed.py --network simple|resnet20 [--device cuda|cpu] [--data DIR] [--rows N] [--epochs N]
                   [--batch 128] [--precision bf16|fp32] [--channels-last] [--threads N]

The networks are ImageCnn's SimpleConvNet (widths 32, 64, 128 hidden units, dropout 0.3) and ResNet-20 (widths 16, 32,
64, three basic blocks per stage), built layer for layer as Transforms/Cnn builds them; the optimizers those of the
main job (AdamW 2e-3, weight decay 1e-4) and of SmallImageRecipe (SGD with Nesterov momentum 0.9 at 0.1, weight decay
5e-4). No augmentation on either side. bf16 training is autocast (PyTorch's own mixed precision); inference is
float32, as ImageCnn scores. Prints one JSON line.
Works with torch 1.13 (Debian 12, CPU) and 2.x (CUDA).
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn


def conv3x3(inputs, outputs, stride=1):
    return nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False)


def simple_conv_net(channels, classes, side):
    flat = 64 * (side // 4) * (side // 4)
    return nn.Sequential(
        conv3x3(channels, 32), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        conv3x3(32, 64), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(flat, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, classes))


class BasicBlock(nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.body = nn.Sequential(conv3x3(inputs, outputs, stride), nn.BatchNorm2d(outputs), nn.ReLU(),
                                  conv3x3(outputs, outputs), nn.BatchNorm2d(outputs))
        self.shortcut = nn.Identity() if stride == 1 and inputs == outputs else nn.Sequential(
            nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def resnet20(channels, classes):
    layers, width_in = [conv3x3(channels, 16), nn.BatchNorm2d(16), nn.ReLU()], 16
    for stage, width in enumerate([16, 32, 64]):
        for block in range(3):
            layers.append(BasicBlock(width_in, width, 2 if stage > 0 and block == 0 else 1))
            width_in = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.0), nn.Linear(64, classes)]
    return nn.Sequential(*layers)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    raise FileNotFoundError(f"{stem}[.gz] is not in {directory}")


def fashion_mnist(directory, rows):
    def pair(prefix):
        images = read_idx(find(directory, f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(find(directory, f"{prefix}-labels-idx1-ubyte"))
        return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))
    (train_x, train_y), (test_x, test_y) = pair("train"), pair("t10k")
    return train_x[:rows], train_y[:rows], test_x, test_y


def synthetic(rows):
    generator = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (rows + 10000, 1, 28, 28), generator=generator, dtype=torch.uint8)
    labels = torch.randint(0, 10, (rows + 10000,), generator=generator)
    return images[:rows], labels[:rows], images[rows:], labels[rows:]


def optimizer_for(network_name, parameters):
    if network_name == "simple":
        return torch.optim.AdamW(parameters, lr=2e-3, weight_decay=1e-4)
    return torch.optim.SGD(parameters, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def autocast(device, precision):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def as_input(images, channels_last):
    x = images.float().div_(255)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def train_epoch(network, optimizer, images, labels, args, device):
    network.train()
    order = torch.randperm(len(images), device=device)
    for start in range(0, len(images), args.batch):
        index = order[start:start + args.batch]
        x, y = as_input(images[index], args.channels_last), labels[index]
        with autocast(device, args.precision):
            loss = nn.functional.cross_entropy(network(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def evaluate(network, images, labels, args, device, batch=512):
    network.eval()
    correct = 0
    with torch.no_grad():  # float32, as ImageCnn scores
        for start in range(0, len(images), batch):
            x = as_input(images[start:start + batch], args.channels_last)
            correct += (network(x).argmax(1) == labels[start:start + batch]).sum()
    return correct.item() / len(images)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--network", choices=["simple", "resnet20"], required=True)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--data")
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    device = torch.device(args.device)
    train_x, train_y, test_x, test_y = fashion_mnist(args.data, args.rows) if args.data else synthetic(args.rows)
    train_x, train_y, test_x, test_y = (t.to(device) for t in (train_x, train_y, test_x, test_y))
    network = simple_conv_net(1, 10, 28) if args.network == "simple" else resnet20(1, 10)
    network = network.to(device, memory_format=torch.channels_last if args.channels_last else torch.contiguous_format)
    optimizer = optimizer_for(args.network, network.parameters())
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.cuda.reset_peak_memory_stats()
    seconds = []
    for _ in range(args.epochs):
        synchronize(device)
        clock = time.perf_counter()
        train_epoch(network, optimizer, train_x, train_y, args, device)
        synchronize(device)
        seconds.append(time.perf_counter() - clock)
    evaluate(network, test_x[:1024], test_y[:1024], args, device)  # warm-up
    synchronize(device)
    clock = time.perf_counter()
    accuracy = evaluate(network, test_x, test_y, args, device)
    inference = time.perf_counter() - clock
    steady = seconds[1:] or seconds
    print(json.dumps({
        "framework": f"PyTorch {torch.__version__}", "network": args.network, "device": str(device),
        "precision": args.precision, "channels_last": args.channels_last, "rows": len(train_x),
        "epoch_seconds": [round(s, 3) for s in seconds],
        "train_images_per_second": len(train_x) * len(steady) / sum(steady),
        "inference_images_per_second": len(test_x) / inference, "test_accuracy": accuracy,
        "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None,
    }))


if __name__ == "__main__":
    main()
