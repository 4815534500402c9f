#!/usr/bin/env bash
# Installs the S3 servers the tests start on loopback (packages/testing/s3-servers):
# a single-node Ceph RADOS Gateway (one mon, one memstore OSD, one radosgw),
# from Debian's ceph-mon, ceph-osd, radosgw and ceph-common. s3rver, the second
# S3 target, is an npm devDependency of @s3lo/s3-servers and is not installed
# here.
#
# Idempotent and non-interactive. A machine that has everything spends no
# time here (no `apt-get update`); otherwise only the missing Debian packages
# are installed (~11 s). Needs apt-get, and root (CI runs as root) or
# passwordless sudo. Nothing is started here: the test harness starts and
# stops the daemons itself, in a temp dir, on 127.0.0.1.
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

# Debian package -> the command that shows it is installed ('' = ask dpkg).
declare -A command_of=(
  [ceph-mon]=ceph-mon
  [ceph-osd]=ceph-osd
  [radosgw]=radosgw
  [ceph-common]=ceph-authtool
)
packages=(ceph-mon ceph-osd radosgw ceph-common)

installed() { apt_installed "$1" "${command_of[$1]}"; }

missing=()
for pkg in "${packages[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
# radosgw-admin and ceph (the CLI) are used too; they come with radosgw and
# ceph-common. Check them so a half-removed install is repaired.
if [ "${#missing[@]}" -eq 0 ]; then
  for cmd in radosgw-admin ceph; do
    if ! command -v "$cmd" >/dev/null 2>&1; then missing=("${packages[@]}"); break; fi
  done
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

apt_install install-test-servers "${missing[@]}"
