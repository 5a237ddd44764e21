#!/usr/bin/env bash
# On the GPU host, once per carried part folder (bench/gpu-pack.sh): keeps its chunk in DIMOO_PACK_DIR
# (default /tmp/dimoo-pack) until bench/gpu-check.sh reassembles them.
set -euo pipefail
dest=${DIMOO_PACK_DIR:-/tmp/dimoo-pack}
mkdir -p "$dest"
for part in "$@"; do cp "$part"/pack.tar.xz.* "$part"/MANIFEST "$dest"/; done
echo "gpu-stage: $(ls "$dest" | grep -c 'pack.tar.xz') of $(sed -n 's/^parts=//p' "$dest/MANIFEST") parts in $dest"
