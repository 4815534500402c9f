#!/usr/bin/env bash
# Release readiness, run by scripts/test.sh (so by CI): the release plan has no
# unintended major bump, every public package packs (its prepack refuses an
# unbuilt dist) with a LICENSE, README, metadata, a require()-able export map
# and no dangling source maps, publint and attw find nothing, and
# `pnpm -r publish --dry-run` goes through. What each check means and why:
# docs/releasing.md. Exits non-zero when any check fails; runs them all.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
  local name="$1" start=$SECONDS
  shift
  echo "== release check: $name"
  if "$@"; then
    echo "== release check: $name: ok ($((SECONDS - start)) s)"
  else
    echo "== release check: $name: FAILED ($((SECONDS - start)) s)" >&2
    status=1
  fi
}
# The packages are packed from dist: build first (turbo's cache makes the
# later build of scripts/test.sh free).
step build pnpm turbo run build --output-logs=errors-only
export S3LO_BUILT_BY_TURBO=1 # so prepack checks that dist exists, not its file times (see scripts/check-built.mjs)
step "release plan" node scripts/check-release-plan.mjs
step "packages (pack, LICENSE, metadata, maps, publint, attw)" node scripts/check-packages.mjs
# npm lists every packed file on stderr: shown only when the dry run fails.
step "pnpm -r publish --dry-run" bash -c 'out="$(pnpm -r publish --dry-run --no-git-checks 2>&1)" || { printf "%s\n" "$out"; exit 1; }'
exit "$status"
