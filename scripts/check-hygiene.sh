#!/usr/bin/env bash
# The contributor-hygiene checks CI runs (scripts/test.sh calls this):
#   1. lint and formatting      pnpm lint        (Biome; warnings fail too; writes nothing; `pnpm format` fixes)
#   2. API reference            pnpm api-docs    (TypeDoc: broken links, undocumented exports)
#   3. API report up to date    pnpm api-report --check  (`pnpm api-report` updates it)
# Every step runs even when an earlier one fails, so one run shows every
# problem; the exit status is 1 when any failed. Offline; needs the
# dependencies installed (scripts/bootstrap.sh).
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
step() {
  local name="$1"
  shift
  local start=$SECONDS
  echo "hygiene: $name" >&2
  if "$@"; then
    echo "hygiene: $name: ok ($((SECONDS - start)) s)" >&2
  else
    echo "hygiene: $name: FAILED ($((SECONDS - start)) s)" >&2
    failed+=("$name")
  fi
}

step 'lint and format (pnpm lint)' pnpm lint
step 'API reference (pnpm api-docs)' pnpm api-docs
# The report is made from the built .d.ts files; turbo rebuilds only what changed.
step 'build for the API report' pnpm turbo run build --output-logs=errors-only
step 'API report (pnpm api-report --check)' pnpm api-report --check

if [ "${#failed[@]}" -gt 0 ]; then
  echo "hygiene: failed: ${failed[*]}" >&2
  exit 1
fi
echo "hygiene: all checks passed" >&2
