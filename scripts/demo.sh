#!/usr/bin/env bash
# The main job on the embedded default (local:// backend, an image made on the
# spot, no network, no Docker). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
pnpm turbo run build --output-logs=errors-only >&2
node scripts/demo.mjs
