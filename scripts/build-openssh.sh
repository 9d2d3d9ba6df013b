#!/usr/bin/env bash
# Builds OpenSSH 10.5p1 (client, sshd, sftp-server) once from vendor/openssh-10.5p1.tar.gz into a
# cache folder and prints that folder. Debian 12's OpenSSH is 9.2, which predates the post-quantum
# key exchanges; the interop tests run both generations, and scripts/bench.sh can use this sshd
# as its reference. Installs its build dependencies with apt when they are missing.
# Usage: OPENSSH=$(bash scripts/build-openssh.sh) && "$OPENSSH/ssh" -V
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=10.5p1
tarball=$here/../vendor/openssh-$version.tar.gz
sha256=50799c8b1810a197a84cd9c33b7724b0211007991c4782ff8a3d3a62f92c4cc8
out=${OPENSSH_CACHE:-/var/tmp/openssh-$version}
if [[ -x $out/ssh && -x $out/sftp && -x $out/sshd && -x $out/sshd-session && -x $out/sftp-server ]]; then echo "$out"; exit 0; fi
echo "$sha256  $tarball" | sha256sum -c --quiet - >&2 || { echo "build-openssh: $tarball does not match its checksum" >&2; exit 1; }
need=()
for p in gcc make libssl-dev zlib1g-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$tarball" -C "$work"
cd "$work/openssh-$version"
# sshd needs its privilege-separation directory and config folder at absolute paths fixed at build time.
{ ./configure --without-pam --with-privsep-path="$out/empty" --sysconfdir="$out/etc" \
  && make -j"$(nproc)" ssh sftp scp ssh-keygen ssh-keyscan sshd sshd-session sshd-auth sftp-server; } >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; exit 1; }
rm -rf "$out.tmp"; mkdir -p "$out.tmp/empty" "$out.tmp/etc"
cp ssh sftp scp ssh-keygen ssh-keyscan sshd sshd-session sshd-auth sftp-server "$out.tmp/"
rm -rf "$out"; mv "$out.tmp" "$out"
echo "$out"
