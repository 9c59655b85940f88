#!/usr/bin/env bash
# `npm run bench:device-proof`: the device bundle proven on this machine, with SwiftShader for the GPU.
# Unpacks bench/device/dist/mixup-device.tar.xz into an empty folder, runs it in a bare environment
# (no Node on PATH, none of this repository's files), then `npm run bench -- --env node`, and checks
# with compare.mjs that both give the same table. The torch peer runs on the CPU at the SwiftShader
# preset's sizes (32x3x64x64) where /usr/bin/python3 has torch, so the summary pairs its rows with ours.
#   bench/device/prove.sh [DIR]     DIR: where to unpack (default: a new folder under /tmp)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
archive="$root/bench/device/dist/mixup-device.tar.xz"
icd="${MIXUP_VK_ICD:-/usr/lib/chromium/vk_swiftshader_icd.json}"
[ -f "$archive" ] || { echo "prove.sh: no $archive; run npm run bench:device-bundle first" >&2; exit 2; }
[ -f "$icd" ] || { echo "prove.sh: no SwiftShader ICD at $icd (Debian's chromium ships it); set MIXUP_VK_ICD" >&2; exit 2; }
dir="${1:-$(mktemp -d /tmp/mixup-device-proof.XXXXXX)}"
mkdir -p "$dir"
[ -z "$(ls -A "$dir")" ] || { echo "prove.sh: $dir is not empty" >&2; exit 2; }
tar -xJf "$archive" -C "$dir"
steps="probe,bench"
torch_args=""
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  steps="probe,bench,torch,summary"
  torch_args="--device cpu --batch 32 --size 64 --runs 20 --warmup 2"
fi
echo "[prove] bundle in $dir; run.sh --steps $steps with $icd"
env -i PATH=/usr/bin:/bin HOME=/tmp PYTHON=/usr/bin/python3 MIXUP_VK_ICD="$icd" \
  "$dir/mixup-device/run.sh" --steps "$steps" --out "$dir/out" --torch-args "$torch_args"
echo "[prove] npm run bench -- --env node"
(cd "$root" && npm run bench -- --env node)
echo "[prove] compare"
node "$root/bench/device/compare.mjs" "$root/bench/results/latest-node.json" "$dir/out/bench-node.json"
