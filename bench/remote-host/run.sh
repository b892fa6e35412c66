#!/usr/bin/env bash
# On the remote host, in the copied working tree with bench/remote-host/out carried beside it:
# unpacks node and node_modules, installs the native open loop, then runs the issue-7 targets
# (the 100k catalog is built there first, about a minute) and, while time allows, a second
# cache-hit sample. Reports go to $OUT (default bench/results).
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
started=$(date +%s)
elapsed() { echo $(( $(date +%s) - started )); }
mkdir -p /tmp/nodepack && tar -xJf bench/remote-host/out/pack.tar.xz -C /tmp/nodepack || exit 1
export PATH=/tmp/nodepack/bin:$PATH
rm -rf node_modules && ln -s /tmp/nodepack/node_modules node_modules
mkdir -p bench/.native && cp bench/remote-host/out/open-loop bench/.native/open-loop && touch bench/.native/open-loop
echo "node $(node --version); cores $(nproc); $(grep -m1 'model name' /proc/cpuinfo); taskset: $(command -v taskset || echo none); setup $(elapsed) s"
node --import tsx bench/targets.ts --rounds "${ROUNDS:-3}" > "$OUT/targets.md" 2> "$OUT/targets.log"
echo "targets exited $? at $(elapsed) s"
cat "$OUT/targets.md"
if [ "$(elapsed)" -lt "${SECOND_SAMPLE_BEFORE_S:-380}" ]; then
  node --import tsx bench/targets.ts --rounds 2 --only cache-hit > "$OUT/cache-hit-2.md" 2> "$OUT/cache-hit-2.log"
  echo "second cache-hit sample exited $? at $(elapsed) s"
  grep '^|' "$OUT/cache-hit-2.md"
fi
echo "done at $(elapsed) s"
