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

# Debian package -> the command that shows it is installed ('' = ask dpkg).
declare -A command_of=(
  [ceph-mon]=ceph-mon
  [ceph-osd]=ceph-osd
  [radosgw]=radosgw
  [ceph-common]=ceph-authtool
)
packages=(ceph-mon ceph-osd radosgw ceph-common)

installed() {
  local pkg="$1" cmd="${command_of[$1]}"
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  command -v dpkg-query >/dev/null 2>&1 \
    && [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]
}

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

echo "install-test-servers: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-servers: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "install-test-servers: not root and no passwordless sudo; as root run: apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
# The packages' maintainer scripts try to start systemd units; on a machine
# without systemd (containers, CI) that only prints warnings. Nothing of ours
# relies on those units: the harness runs its own daemons.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
