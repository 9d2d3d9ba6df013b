#!/usr/bin/env bash
# Installs the real programs the interop tests drive (Debian packages, and Node's ssh2 from the
# npm registry into tests/Wharf.Interop.Tests/node). Idempotent; skips what is already there so
# a developer's second run costs nothing. Node and npm usually come with the machine image; where
# either is missing, Debian's are installed (Debian's npm conflicts with a node from elsewhere).
set -euo pipefail
packages=(bubblewrap util-linux openssh-client openssh-server python3-paramiko python3-asyncssh ssh-audit curl bc postgresql argon2 whois apache2-utils openssl rsync rclone git prometheus chromium chromium-driver putty-tools haproxy)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ssh2 (pinned by package-lock.json): npm ci when node_modules is missing or older than the lock.
# No install scripts: ssh2's optional native crypto binding is not built, it runs on Node's own.
node_dir="$(dirname "$0")/../tests/Wharf.Interop.Tests/node"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # Debian's own Node.js and npm (installed together; a Node.js from elsewhere brings its own npm).
  echo "installing: nodejs npm"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; } \
    || { echo "node and npm are needed for the ssh2 interop tests"; exit 1; }
fi
stamp="$node_dir/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$node_dir/package-lock.json" -nt "$stamp" ]; then
  echo "installing ssh2 (npm ci) in tests/Wharf.Interop.Tests/node"
  (cd "$node_dir" && npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
fi
