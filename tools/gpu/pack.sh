#!/usr/bin/env bash
# Run here, in the checkout: publishes the main job and the benchmarks self-contained with the `external` libtorch
# backend (no libtorch inside; the device's PyTorch provides it) into .gpu/, with full Fashion-MNIST as raw IDX.
# .gpu/ is ignored; the device call carries it: run(carry: [".gpu"], command: "bash tools/gpu/on-device.sh").
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
rm -rf /tmp/gpuapp /tmp/fm .gpu && mkdir -p .gpu
for app in FashionMnist Benchmarks; do
  dotnet publish "Examples/$app" -c Release -r linux-x64 --self-contained -p:TorchBackend=external -o /tmp/gpuapp
done
if ls /tmp/gpuapp | grep -Eq '^lib(torch|c10)'; then echo 'a CPU libtorch leaked into the publish' >&2; exit 1; fi
tar -C /tmp/gpuapp -cf - . | xz -6 -T2 > .gpu/app.tar.xz
data=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ -d "$data" ]; then   # raw IDX packs smaller than the .gz files (26.4 vs 30.9 MB)
  mkdir /tmp/fm && for f in "$data"/*-ubyte*; do
    case "$f" in *.gz) zcat "$f" > "/tmp/fm/$(basename "$f" .gz)";; *) cp "$f" /tmp/fm/;; esac
  done
  tar -C /tmp/fm -cf - . | xz -9 -T2 > .gpu/fmnist.tar.xz
else
  echo "no Fashion-MNIST in $data: the device runs on the embedded subset" >&2
fi
if [ -n "${TORCHSHARP_GIT:-}" ]; then   # for build-libtorchsharp.sh: TorchSharp's native sources, not committed here
  mkdir -p .gpu/ts && git --git-dir="$TORCHSHARP_GIT" archive HEAD src/Native/LibTorchSharp | tar -C .gpu/ts -xf -
fi
du -sb .gpu/* | awk '{s+=$1; print} END {printf "carried: %.1f MiB\n", s/1048576}'
git ls-files -z | xargs -0 du -cb | tail -1 | awk '{printf "tracked: %.1f MiB (together with .gpu/ under 64 MiB)\n", $1/1048576}'
