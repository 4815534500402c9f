#!/usr/bin/env bash
# Release readiness, run by scripts/test.sh (so by CI): the release plan has no
# unintended major bump, every public package packs (its prepack refuses an
# unbuilt dist) with a LICENSE, README, metadata, a require()-able export map
# and no dangling source maps, publint and attw find nothing, and
# `pnpm publish --dry-run` goes through in each. What each check means and why:
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
# `pnpm publish --dry-run` in each public package, as `pnpm -r publish` would
# run it, but without -r: the recursive form first asks the registry which
# versions are already published, and CI must not need the registry (nor its
# TLS certificates) to prove that the packages would publish. npm 11 looks the
# package up even in a dry run (retrying for a minute when it cannot reach the
# registry) and goes on without the answer: offline, it skips the look-up.
# npm lists every packed file on stderr: shown only when a dry run fails.
publish_dry_run() {
  local dir out
  for dir in $(node -e "import('./scripts/lib/workspace-packages.mjs').then((m) => console.log(m.publicPackages(process.cwd()).map((p) => p.dir).join('\n')))"); do
    out="$(cd "$dir" && npm_config_offline=true pnpm publish --dry-run --no-git-checks 2>&1)" || { printf '%s\n' "$out"; echo "publish dry run failed in $dir" >&2; return 1; }
  done
}
step "pnpm publish --dry-run (every public package)" publish_dry_run
exit "$status"
