#!/usr/bin/env bash
# One call on a CUDA host: install, run the engine tests on the GPU, then the engine benchmarks (per-step times,
# batching of 1/2/4 jobs, the three ML-Cache paths); figures land in bench/results/*-gpu.json and are printed.
#
# The CUDA execution provider is not in the npm package: onnxruntime-node's install script downloads it
# (libonnxruntime_providers_cuda.so + libonnxruntime_providers_shared.so, NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux
# of the same version as onnxruntime-node). A host with internet gets it from that script; a host without
# (the lent device machines reach nothing) needs the two files carried in a folder named by DIMOO_CUDA_EP_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ -n "${DIMOO_CUDA_EP_DIR:-}" ]; then
  cp "$DIMOO_CUDA_EP_DIR"/libonnxruntime_providers_*.so "$BIN"/
else
  ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js || echo "CUDA provider install failed"
fi
ls "$BIN"
nvidia-smi --query-gpu=name,memory.total --format=csv || true
DIMOO_TEST_DEVICE=cuda npx vitest run test/engine
npm run bench -- engine
cp bench/results/engine.json bench/results/engine-gpu.json
npm run bench -- engine-tasks --preset small --only batch
npm run bench -- engine-tasks --preset small --only mlcache
cp bench/results/engine-tasks.json bench/results/engine-tasks-gpu.json
cat bench/results/engine-gpu.json bench/results/engine-tasks-gpu.json
