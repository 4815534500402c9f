#!/usr/bin/env bash
# Runs every test of the repository on this machine, installing what is missing
# first (Node 24 when the machine's node is older than 22, pnpm, dependencies,
# and the test tools and servers the tests use).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
bash scripts/install-test-tools.sh
bash scripts/install-test-servers.sh
rm -rf .test-results
status=0
bash scripts/check-hygiene.sh || status=1
bash scripts/check-release.sh || status=1
# --continue: one failing package must not hide how the others fare.
pnpm turbo run build typecheck test --continue --output-logs=full --log-order=grouped || status=$?
node scripts/test-summary.mjs || status=1
exit "$status"
