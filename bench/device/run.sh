#!/usr/bin/env bash
# The device run, from the unpacked bundle (bench/device/bundle.mjs): selects a Vulkan driver, prints the
# machine and the adapter, runs our benchmark through Dawn and the PyTorch peer on the same GPU, and
# writes everything under --out (at most 7 files: the device tool returns 8).
#
#   ./run.sh [--out DIR] [--steps probe,bench,torch,default,summary] [--expect-hardware]
#            [--bench-args "..."] [--default-args "..."] [--torch-args "..."]
#            [--bench-timeout S] [--default-timeout S] [--torch-timeout S]
#
# Vulkan driver: $MIXUP_VK_ICD if set (e.g. SwiftShader's /usr/lib/chromium/vk_swiftshader_icd.json for
# a test on a GPU-less machine), else NVIDIA's ICD file from the usual places, else an ICD file written
# here for the driver's libGLX_nvidia.so.0. Steps, in this order: probe = adapter info (adapter.json);
# bench = our benchmark, devices as the bench asks for them (bench-node.json); torch = torch_peer.py
# (torch.json); default = our benchmark with every device at the spec's default limits
# (bench-node-default.json; --default-args, else --bench-args); summary = ours vs torch (summary.md).
# Each step has its own time limit, so the script ends, and its files come back, even when one hangs.
# run.log holds the whole output.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
steps="probe,bench,torch,summary"
bench_args=""
default_args=""
torch_args=""
expect_hardware=""
bench_timeout=400
default_timeout=200
torch_timeout=200
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --bench-args) bench_args="$2"; shift 2 ;;
    --default-args) default_args="$2"; shift 2 ;;
    --torch-args) torch_args="$2"; shift 2 ;;
    --expect-hardware) expect_hardware="--expect-hardware"; shift ;;
    --bench-timeout) bench_timeout="$2"; shift 2 ;;
    --default-timeout) default_timeout="$2"; shift 2 ;;
    --torch-timeout) torch_timeout="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
exec > >(tee -a "$out/run.log") 2>&1
tee_pid=$!
has_step() { case ",$steps," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
status=0
started=$(date +%s)
note() { echo "[run.sh +$(( $(date +%s) - started ))s] $*"; }

# ---- Vulkan: loader, driver ----
nvidia_lib_dirs=""
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu/nvidia /usr/lib64/nvidia; do
  [ -d "$d" ] && nvidia_lib_dirs="$nvidia_lib_dirs:$d"
done
export LD_LIBRARY_PATH="$here/lib${nvidia_lib_dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
find_lib() { # a library's path: the library path first, then ldconfig's cache
  local name="$1" d
  for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/$name" ] && { echo "$d/$name"; return 0; }; done
  "$ldconfig" -p 2>/dev/null | awk -v n="$name" '$1 == n { print $NF; exit }'
}

# Candidate ICD files, best first; the probe takes the first that gives an adapter.
icds=()
if [ -n "${MIXUP_VK_ICD:-}" ]; then
  [ -f "$MIXUP_VK_ICD" ] || { echo "run.sh: MIXUP_VK_ICD=$MIXUP_VK_ICD does not exist" >&2; exit 2; }
  icds=("$MIXUP_VK_ICD")
else
  while IFS= read -r f; do
    [ -f "$f" ] && [[ " ${icds[*]} " != *" $f "* ]] && icds+=("$f")
  done < <(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json \
              /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd*.json \
              /usr/local/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null
           find /usr/local/nvidia /usr/share/vulkan /etc/vulkan /usr/local/share/vulkan -maxdepth 5 -name 'nvidia_icd*.json' 2>/dev/null)
  # The NVIDIA Vulkan driver lives in libGLX_nvidia.so.0; an ICD file naming it is all the loader needs.
  glx="$(find_lib libGLX_nvidia.so.0)"
  if [ -n "$glx" ]; then
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" > "$here/nvidia_icd.generated.json"
    icds+=("$here/nvidia_icd.generated.json")
  fi
fi
use_icd() { export VK_ICD_FILENAMES="$1" VK_DRIVER_FILES="$1"; }
if [ ${#icds[@]} -gt 0 ]; then use_icd "${icds[0]}"; fi
# glvnd's dispatcher: the driver's own where it has one, else the bundle's.
if [ -z "$(find_lib libGLdispatch.so.0)" ] && [ -f "$here/lib/glvnd/libGLdispatch.so.0" ]; then
  export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$here/lib/glvnd"
fi

# ---- the machine ----
note "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(uname -srm); $(nproc) CPUs"
cat "$here/MANIFEST.txt"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 | sed 's/^/[nvidia-smi] /'
fi
[ ${#icds[@]} -gt 0 ] || note "no Vulkan ICD: no NVIDIA ICD file, no libGLX_nvidia.so.0, and MIXUP_VK_ICD is not set"
for f in "${icds[@]}"; do note "ICD candidate $f: $(tr -d '\n' < "$f")"; done
note "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
node="$here/bin/node"
"$node" --version

# ---- steps ----
adapter_ok=1
if has_step probe; then
  adapter_ok=0
  for f in "${icds[@]:-}"; do
    [ -n "$f" ] && use_icd "$f"
    note "probe: adapter info, VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
    if timeout 120 "$node" "$here/bench.mjs" probe --out "$out" $expect_hardware; then adapter_ok=1; break; fi
  done
  if [ $adapter_ok -eq 0 ]; then
    status=1
    [ ${#icds[@]} -eq 0 ] || use_icd "${icds[0]}"
    note "probe failed: the Vulkan loader's own report follows (VK_LOADER_DEBUG); our benchmark is not run"
    VK_LOADER_DEBUG=error,warn,info,driver timeout 60 "$node" "$here/bench.mjs" probe --out "$(mktemp -d)" 2>&1 | tail -60
  fi
fi
# --bench-args and the others are shell words, quotes and all: --groups "images f32;labels".
words() { [ -z "$1" ] || eval "printf '%s\\0' $1"; }
run_bench() { # name, time limit, args
  local name="$1" limit="$2"; shift 2
  note "bench ($name): $*"
  # The same Node flags as scripts/run-bench.mjs: the host-cost table measures JS heap per call.
  timeout "$limit" "$node" --expose-gc --max-semi-space-size=64 "$here/bench.mjs" bench --out "$out" --name "$name" "$@"
  local rc=$?
  [ $rc -eq 0 ] || { status=1; note "bench ($name) exited $rc$( [ $rc -eq 124 ] && echo ": over its $limit s limit")"; }
}
if [ $adapter_ok -eq 1 ] && has_step bench; then
  mapfile -d '' args < <(words "$bench_args")
  run_bench bench-node "$bench_timeout" "${args[@]}"
fi
if has_step torch; then
  py="${PYTHON:-python3}"
  note "torch peer: $py torch_peer.py $torch_args"
  mapfile -d '' args < <(words "$torch_args")
  PYTHONUNBUFFERED=1 timeout "$torch_timeout" "$py" "$here/torch_peer.py" --out "$out/torch.json" "${args[@]}"
  rc=$?
  [ $rc -eq 0 ] || { status=1; note "torch peer exited $rc$( [ $rc -eq 124 ] && echo ": over its $torch_timeout s limit")"; }
fi
if [ $adapter_ok -eq 1 ] && has_step default; then
  mapfile -d '' args < <(words "${default_args:-$bench_args}")
  run_bench bench-node-default "$default_timeout" --limits default "${args[@]}"
fi
if has_step summary && [ -f "$out/torch.json" ] && [ -f "$out/bench-node.json" ]; then
  "$node" "$here/bench.mjs" summary --ours "$out/bench-node.json" --torch "$out/torch.json" --out "$out" || status=1
fi
note "done, status $status; files in $out: $(cd "$out" && ls | tr '\n' ' ')"
exec >&- 2>&-
wait "$tee_pid"
exit $status
