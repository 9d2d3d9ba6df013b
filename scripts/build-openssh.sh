#!/usr/bin/env bash
# Builds OpenSSH 10.5p1 (client, sshd, sftp-server) once into a cache folder and prints that folder.
# The build itself is the shared tool ../shared/tools/build-openssh.sh (from the vendored tarball);
# this wrapper only finds it, so the tests and the benchmark have one way to get a current OpenSSH.
# Debian 12's OpenSSH is 9.2: the interop tests run both generations.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$here/../../shared/tools/build-openssh.sh
if [ ! -f "$tool" ]; then
  echo "build-openssh: $tool not found (the OpenSSH 10.5 build tool beside this repository)" >&2
  exit 1
fi
exec bash "$tool"
