#!/usr/bin/env bash
# On a GPU host with no Node.js and no network (bench/README.md): reassembles what bench/gpu-pack.sh made (staged
# by bench/gpu-stage.sh, or part folders given as arguments), finds the CUDA 13 and cuDNN 9 libraries (a CUDA
# toolkit, the library path, or NVIDIA's pip wheels inside a Python environment), generates an 8B-shaped random
# checkpoint there, and runs bench/gpu.ts: bench/results/gpu.json (and $OUT/gpu.json). Before that, on CUDA,
# bench/torch-sampling-check.py records real torch's bf16 sampling: bench/results/torch-sampling.json (and $OUT's).
# The same script runs on a CPU machine: DEVICE=cpu DIMOO_GPU_CHECK_PRESET=small bash bench/gpu-check.sh .gpu/part-*
set -euo pipefail
cd "$(dirname "$0")/.."
pack=${DIMOO_PACK_DIR:-/tmp/dimoo-pack}
run=${DIMOO_RUN_DIR:-/tmp/dimoo-run}
[ $# -gt 0 ] && DIMOO_PACK_DIR=$pack bash bench/gpu-stage.sh "$@"

# First, real torch's bf16 sampling on CUDA for test/engine/sampling/torch-sampling-record.test.ts (about a
# minute): with the first python3 whose torch sees CUDA, before LD_LIBRARY_PATH is changed below. It never fails
# this script; DIMOO_TORCH_CHECK=0 leaves it out.
torch_s=0
if [ "${DEVICE:-cuda}" != cpu ] && [ "${DIMOO_TORCH_CHECK:-1}" != 0 ]; then
  torch_py=""
  for py in python3 /opt/*/.venv/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || [ -x "$py" ] || continue
    if timeout 90 "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
      torch_py=$py
      break
    fi
  done
  torch_started=$SECONDS
  torch_out=bench/results/torch-sampling.json
  timeout -k 10 "${DIMOO_TORCH_CHECK_TIMEOUT_S:-150}" "${torch_py:-python3}" bench/torch-sampling-check.py "$torch_out" ||
    echo "gpu-check: torch-sampling-check.py ended with status $? (its record says why, if it wrote one)"
  torch_s=$((SECONDS - torch_started))
  echo "gpu-check: torch's bf16 sampling with ${torch_py:-python3 (none imports torch with CUDA)} in ${torch_s} s:" \
    "$torch_out${OUT:+ and $OUT/torch-sampling.json}"
fi
if [ ! -x "$run/node/bin/node" ]; then
  [ -f "$pack/MANIFEST" ] || { echo "gpu-check: nothing staged in $pack (bench/gpu-stage.sh)" >&2; exit 1; }
  want=$(sed -n 's/^parts=//p' "$pack/MANIFEST")
  have=$(ls "$pack"/pack.tar.xz.* | wc -l)
  [ "$have" = "$want" ] || { echo "gpu-check: $have of $want parts staged in $pack" >&2; exit 1; }
  sum=$(cat "$pack"/pack.tar.xz.* | sha256sum | cut -d' ' -f1)
  [ "$sum" = "$(sed -n 's/^sha256=//p' "$pack/MANIFEST")" ] || { echo "gpu-check: checksum mismatch" >&2; exit 1; }
  mkdir -p "$run"
  cat "$pack"/pack.tar.xz.* | xz -d | tar -x -C "$run"
  echo "gpu-check: unpacked into $run"
fi
"$run/node/bin/node" --version

# The CUDA provider links libcublasLt/libcublas/libcurand/libcudart and loads cuDNN at run time; the loader only
# reads LD_LIBRARY_PATH at process start, so it is set here, before node starts.
dirs=()
IFS=: read -r -a from_env <<<"${LD_LIBRARY_PATH:-}"
for d in "${from_env[@]}" /usr/local/cuda*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
  [ -d "$d" ] && dirs+=("$d")
done
for py in python3 /opt/*/.venv/bin/python3; do
  command -v "$py" >/dev/null 2>&1 || [ -x "$py" ] || continue
  for site in $("$py" -c 'import site,sys; print(" ".join(site.getsitepackages()+[site.getusersitepackages()]))' 2>/dev/null); do
    for d in "$site"/nvidia/*/lib; do [ -d "$d" ] && dirs+=("$d"); done
  done
done
missing=()
path=""
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9 libcufft.so.12; do
  found=""
  for d in "${dirs[@]}"; do
    if [ -e "$d/$lib" ]; then found=$d; break; fi
  done
  if [ -n "$found" ]; then
    case ":$path:" in *":$found:"*) ;; *) path=${path:+$path:}$found ;; esac
  else
    missing+=("$lib")
  fi
done
echo "gpu-check: CUDA libraries from: ${path:-none}"
[ ${#missing[@]} -eq 0 ] || echo "gpu-check: not found: ${missing[*]} (looked in ${#dirs[@]} folders)"
export LD_LIBRARY_PATH=${path}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "gpu-check: no nvidia-smi"
export DEVICE=${DEVICE:-cuda}
bundle=$run/app/gpu-bench.mjs
if [ -f .gpu/bundle/gpu-bench.mjs ]; then
  cp .gpu/bundle/gpu-bench.mjs "$run/app/gpu-bench.mjs" # a newer bundle carried on its own (gpu-pack.sh)
  # The engine's worker threads' entries travel beside it (bundles made before one existed lack it).
  for worker in quantize-worker session-worker; do
    if [ -f ".gpu/bundle/$worker.mjs" ]; then cp ".gpu/bundle/$worker.mjs" "$run/app/"; fi
  done
fi
# gpu.ts's own budget (540 s by default) shrinks by the torch check's time, so the whole run keeps its length.
[ -n "${DIMOO_GPU_CHECK_BUDGET_S:-}" ] || export DIMOO_GPU_CHECK_BUDGET_S=$((540 - torch_s))
exec "$run/node/bin/node" "$bundle" --device "$DEVICE" --work "${DIMOO_GPU_CHECK_DIR:-/tmp}" ${DIMOO_GPU_CHECK_ARGS:-}
