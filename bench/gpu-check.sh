#!/usr/bin/env bash
# One call on a CUDA host: install (with onnxruntime-node's CUDA provider), run the engine tests on the GPU, and
# the engine benchmark; figures land in bench/results/engine-gpu.json and are printed.
# Needs internet for the CUDA provider download (onnxruntime-node's own install script).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js || echo "CUDA provider install failed"
nvidia-smi --query-gpu=name,memory.total --format=csv || true
DIMOO_TEST_DEVICE=cuda npx vitest run test/engine
npm run bench -- engine
cp bench/results/engine.json bench/results/engine-gpu.json
cat bench/results/engine-gpu.json
