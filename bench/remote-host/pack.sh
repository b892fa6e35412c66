#!/usr/bin/env bash
# Packs what a bare x86-64 Linux host without network needs to run the benches from a copy of
# this working tree: this machine's node binary and node_modules without the other platforms'
# binaries, the compilers' and test tools' packages, and the prebuilt native open loop (static).
# Writes bench/remote-host/out/ (gitignored): pack.tar.xz (~55 MB) and open-loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/remote-host/out
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out" "$stage/bin"
cp "$(command -v node)" "$stage/bin/"
tar -cf - \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
  --exclude='node_modules/usearch/prebuilds/darwin-*' \
  --exclude='node_modules/usearch/prebuilds/linux-arm64' \
  --exclude='node_modules/@typescript' --exclude='node_modules/typescript' \
  --exclude='node_modules/playwright-core' --exclude='node_modules/vitest' --exclude='node_modules/@vitest' \
  --exclude='node_modules/vite' --exclude='node_modules/@rolldown' --exclude='node_modules/lightningcss*' \
  --exclude='node_modules/.cache' \
  node_modules | tar -C "$stage" -xf -
tar -C "$stage" -cf - bin node_modules | xz -T0 -6 > "$out/pack.tar.xz"
"${CC:-cc}" -O2 -static -pthread -o "$out/open-loop" bench/native/open-loop.c
ls -la "$out"
