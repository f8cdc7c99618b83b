#!/usr/bin/env bash
# Runs on a CUDA machine without the .NET SDK, from the repository root, with .gpu/ carried (see pack.sh). Unpacks the apps,
# checks libLibTorchSharp.so against PyTorch's libtorch, then runs the stages in $STAGES (default: all) and leaves
# logs, the missing-symbol list and the self-test's model in $OUT:
#   check     symbols, GLIBCXX, CUDA visible through LibTorchSharp
#   selftest  Benchmarks --cuda-selftest: Auto picks CUDA, CPU vs CUDA within tolerance, a CUDA-trained zip for this repo's test
#   main      the main job (FashionMnist) on CUDA, full data
#   versus    Benchmarks --versus-pytorch --device cuda (ImageCnn vs tools/gpu/pytorch_speed.py on the same GPU)
# LTS=path/to/libLibTorchSharp.so replaces the shipped bridge (see build-libtorchsharp.sh).
set -uo pipefail
O=${OUT:-/tmp/out}; mkdir -p "$O"
STAGES=${STAGES:-check selftest main versus}
TL=${TL:-$(python3 -c 'import importlib.util as u,os;print(os.path.dirname(u.find_spec("torch").origin)+"/lib")')}
NV=$(find "$(dirname "$(dirname "$TL")")/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null | paste -sd:)
untar() { python3 -c 'import sys,tarfile;tarfile.open(sys.argv[1]).extractall(sys.argv[2],filter="fully_trusted")' "$1" "$2"; }
rm -rf /tmp/app /tmp/fm; mkdir -p /tmp/app /tmp/fm
untar .gpu/app.tar.xz /tmp/app || exit 1
[ -n "${LTS:-}" ] && cp "$LTS" /tmp/app/libLibTorchSharp.so
DATA=(--subset); BENCH_DATA=(); [ -f .gpu/fmnist.tar.xz ] && untar .gpu/fmnist.tar.xz /tmp/fm && DATA=(--data /tmp/fm) && BENCH_DATA=(--data /tmp/fm)
export LD_LIBRARY_PATH=$TL${NV:+:$NV}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))' | tee "$O/versions.txt"
stage() { case " $STAGES " in *" $1 "*) return 0;; *) return 1;; esac; }
if stage check; then
  SO=/tmp/app/libLibTorchSharp.so
  nm -D --undefined-only $SO | awk '$1=="U" && $2 !~ /@/ {print $2}' | sort -u > /tmp/need
  for f in libc10 libtorch_cpu libtorch libtorch_cuda libc10_cuda; do [ -f "$TL/$f.so" ] && nm -D --defined-only "$TL/$f.so"; done \
    | awk '{print $NF}' | sed 's/@.*//' | sort -u > /tmp/have
  comm -23 /tmp/need /tmp/have > "$O/missing.txt"
  echo "libLibTorchSharp.so needs $(wc -l < /tmp/need) libtorch symbols; $(wc -l < "$O/missing.txt") missing from $TL"
  c++filt < "$O/missing.txt" | head -20
  LD_BIND_NOW=1 python3 -c "
import ctypes as c, os
if os.path.exists('$TL/libtorch_cuda.so'): c.CDLL('$TL/libtorch_cuda.so', c.RTLD_GLOBAL)
l = c.CDLL('$SO'); l.THSTorchCuda_is_available.restype = c.c_bool
print('eager bind OK; cuda', l.THSTorchCuda_is_available(), 'devices', l.THSTorchCuda_device_count())" 2>&1 | tail -2
fi
run() { local name=$1; shift; ( cd /tmp/app && timeout "${RUN_S:-300}" "$@" ) 2>&1 | tee "$O/$name.log"; echo "$name: exit ${PIPESTATUS[0]}"; }
stage selftest && run selftest ./Benchmarks --cuda-selftest "$O" --subset
stage main && run main ./FashionMnist --device cuda "${DATA[@]}" --model /tmp/model.zip --preview /tmp/preview.png --logs /tmp/logs
stage versus && run versus ./Benchmarks --versus-pytorch --device cuda --repeats 2 "${BENCH_DATA[@]}" --python "$(command -v python3)" --script "$PWD/tools/gpu/pytorch_speed.py"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >> "$O/versions.txt" 2>/dev/null
exit 0
