#!/usr/bin/env bash
# Runs on the GPU machine when on-device.sh's check finds libtorch symbols missing: compiles TorchSharp 0.107's
# native bridge against the device's PyTorch (2-4 minutes on 16 cores), then reruns on-device.sh with it.
# Needs .gpu/ts/ (pack.sh puts TorchSharp's src/Native/LibTorchSharp there when TORCHSHARP_GIT names a clone).
set -euo pipefail
TL=$(python3 -c 'import importlib.util as u,os;print(os.path.dirname(u.find_spec("torch").origin)+"/lib")')
TI=${TL%/lib}/include; B=/tmp/lts; mkdir -p "$B"
ABI=$(python3 -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
ROOT=$PWD
cd .gpu/ts/src/Native/LibTorchSharp
time (ls *.cpp | xargs -P"$(nproc)" -I{} sh -c "g++ -std=c++17 -O2 -DNDEBUG -fPIC -fvisibility=hidden -w -D_GLIBCXX_USE_CXX11_ABI=$ABI -D__LINUX__ \
  -I$TI -I$TI/torch/csrc/api/include -c {} -o $B/{}.o 2>$B/{}.err || { echo FAILED {}; head -5 $B/{}.err; }")
gcc -O2 -fPIC -fvisibility=hidden -c crc32c.c -o "$B/crc32c.o"
g++ -shared -Wl,-soname,libLibTorchSharp.so -Wl,-Bsymbolic -o "$B/libLibTorchSharp.so" "$B"/*.o -L"$TL" -ltorch -ltorch_cpu -lc10
cp "$B/libLibTorchSharp.so" "${OUT:-/tmp/out}/"
cd "$ROOT" && LTS=$B/libLibTorchSharp.so bash tools/gpu/on-device.sh
