#!/usr/bin/env bash
# Installs the OCI tools the end-to-end tests build and check images with
# (packages/testing/e2e): skopeo, umoci, buildah, busybox-static, plus tmux.
# They are independent implementations: our output must satisfy them.
#
# Idempotent and non-interactive. A machine that has everything spends no
# time here (no `apt-get update`); otherwise only the missing Debian packages
# are installed. Needs apt-get, and root (CI runs as root) or passwordless sudo.
set -euo pipefail

# Debian package -> the command that shows it is installed ('' = ask dpkg).
# busybox-static is checked with dpkg: the `busybox` command may come from
# the dynamically linked `busybox` package, which cannot be copied into an
# empty image root.
declare -A command_of=(
  [skopeo]=skopeo
  [umoci]=umoci
  [buildah]=buildah
  [busybox-static]=''
  [tmux]=tmux
)

installed() {
  local pkg="$1" cmd="${command_of[$1]}"
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  command -v dpkg-query >/dev/null 2>&1 \
    && [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for pkg in skopeo umoci buildah busybox-static tmux; do
  installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install-test-tools: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-tools: apt-get not found; install these yourself: ${missing[*]}" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "install-test-tools: not root and no passwordless sudo; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
