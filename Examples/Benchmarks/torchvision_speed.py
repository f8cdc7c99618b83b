"""One torchvision network's size and speed in Debian's PyTorch, the reference column of `Benchmarks -- --families`.

  torchvision_speed.py NAME [--size 224] [--train-batch 32] [--infer-batch 8] [--steps 3] [--classes 1000]

The same measurement as FamiliesBenchmark.cs: parameters; multiply-adds of one image's forward pass (every
convolution's and linear layer's outputs times the inputs each sums); the median time of --steps training steps
(forward, cross-entropy, backward, Adam) on random images after one warm-up step; and the median time of --steps
evaluation-mode forward passes without gradients, after one warm-up. Prints one JSON line.
"""
import argparse
import json
import statistics
import time

import torch
import torchvision


def multiply_adds(network, size):
    total = [0]

    def count(module, _, output):
        weight = module.weight
        total[0] += output.numel() * (weight.numel() // weight.shape[0])

    hooks = [m.register_forward_hook(count) for m in network.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    network.eval()
    with torch.no_grad():
        network(torch.zeros(1, 3, size, size))
    for hook in hooks:
        hook.remove()
    return total[0]


def median_seconds(step, steps):
    step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--train-batch", type=int, default=32)
    parser.add_argument("--infer-batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--classes", type=int, default=1000)
    args = parser.parse_args()
    torch.manual_seed(1)
    # Without the auxiliary classifiers that only their original training used, as MLExtensions builds them.
    options = {"aux_logits": False} if args.name in ("googlenet", "inception_v3") else {}
    network = getattr(torchvision.models, args.name)(num_classes=args.classes, **options)
    parameters = sum(p.numel() for p in network.parameters())
    macs = multiply_adds(network, args.size)

    images = torch.randn(args.train_batch, 3, args.size, args.size)
    labels = torch.randint(0, args.classes, (args.train_batch,))
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)

    def train_step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(network(images), labels).backward()
        optimizer.step()

    network.train()
    train = median_seconds(train_step, args.steps)

    batch = torch.randn(args.infer_batch, 3, args.size, args.size)

    def infer_step():
        with torch.no_grad():
            network(batch)

    network.eval()
    infer = median_seconds(infer_step, args.steps)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "parameters": parameters,
                      "multiply_adds": macs, "train_images_per_s": args.train_batch / train,
                      "infer_images_per_s": args.infer_batch / infer}))


if __name__ == "__main__":
    main()
