#!/usr/bin/env bash
# The test command. Installs what the tests need and this machine lacks (Debian/Ubuntu packages, idempotently): real
# PyTorch and torchvision for Debian's /usr/bin/python3, which the pretrained-network tests compare against, and
# chromium, in which the training report's test renders the page. Then runs the whole suite, with its results also in
# TestResults/*.trx; extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || missing+=(python3-torch python3-torchvision)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing what the tests need: ${missing[*]}"
    $sudo apt-get install -y "${missing[@]}" \
        || { $sudo apt-get update && $sudo apt-get install -y "${missing[@]}"; } \
        || { echo "Could not install ${missing[*]} (apt-get); the PyTorch reference and report tests need them." >&2; exit 1; }
fi
/usr/bin/python3 -c "import torch, torchvision; print('PyTorch reference: torch', torch.__version__, 'torchvision', torchvision.__version__)"

rm -rf TestResults
exec dotnet test MLExtensions.sln -c Release --logger trx --results-directory TestResults "$@"
