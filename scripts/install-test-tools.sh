#!/usr/bin/env bash
# Installs the OCI tools the end-to-end tests build and check images with
# (packages/testing/e2e): skopeo, umoci, buildah, busybox-static, plus tmux.
# They are independent implementations: our output must satisfy them.
#
# Idempotent and non-interactive. A machine that has everything spends no
# time here (no `apt-get update`); otherwise only the missing Debian packages
# are installed. Needs apt-get, and root (CI runs as root) or passwordless sudo.
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

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

installed() { apt_installed "$1" "${command_of[$1]}"; }

missing=()
for pkg in skopeo umoci buildah busybox-static tmux; do
  installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

apt_install install-test-tools "${missing[@]}"
