# Sourced by the install-*.sh scripts: installs Debian packages with apt-get,
# non-interactively, as root or through passwordless sudo.
#
#   apt_install <who> <package>...
#
# `who` prefixes the messages. `apt-get update` runs first (a bare machine's
# package lists are empty); callers call this only when something is missing,
# so a machine that has everything spends no time here.
apt_install() {
  local who="$1"
  shift
  echo "$who: installing $*" >&2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: apt-get not found; install these yourself: $*" >&2
    return 1
  fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      echo "$who: not root and no passwordless sudo; as root run: apt-get install --no-install-recommends $*" >&2
      return 1
    fi
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  # Maintainer scripts may try to start systemd units; without systemd (CI,
  # containers) that only prints warnings, and nothing here relies on them.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# True when Debian package $1 is installed (per dpkg), or command $2 (if
# given) is on the PATH.
apt_installed() {
  local pkg="$1" cmd="${2:-}"
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  command -v dpkg-query >/dev/null 2>&1 \
    && [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]
}
