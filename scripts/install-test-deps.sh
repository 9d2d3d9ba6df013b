#!/usr/bin/env bash
# Installs the real programs the interop tests drive (Debian packages). Idempotent; skips
# what is already there so a developer's second run costs nothing.
set -euo pipefail
packages=(bubblewrap util-linux openssh-client openssh-server python3-paramiko python3-asyncssh ssh-audit curl bc postgresql argon2 whois apache2-utils openssl rsync rclone git prometheus chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
