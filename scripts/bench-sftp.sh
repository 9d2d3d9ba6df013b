#!/usr/bin/env bash
# SFTP transfer speed: `wharf portable` (Release) beside OpenSSH's sshd with internal-sftp,
# serving the same kind of directory, same client (OpenSSH sftp), alternating, median MiB/s.
#   scripts/bench-sftp.sh [SIZE_MIB=1024] [ROUNDS=3] [CIPHER=aes128-gcm@openssh.com] [SFTP_FLAGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}; rounds=${2:-3}; cipher=${3:-aes128-gcm@openssh.com}; shift $(( $# > 3 ? 3 : $# )); sftp_flags=("$@")
work=$(mktemp -d /tmp/wharf-sftp-bench.XXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/wharf-root" "$work/sshd-root" "$work/local"
ssh-keygen -q -t ed25519 -N "" -f "$work/id" >/dev/null
cp "$work/id.pub" "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh_host_ed25519_key" >/dev/null
head -c $((size_mib << 20)) /dev/urandom > "$work/local/data.bin"
head -c $((size_mib << 20)) /dev/urandom > "$work/wharf-root/down.bin"
cp "$work/wharf-root/down.bin" "$work/sshd-root/down.bin"

dotnet build src/Wharf.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet src/Wharf.Server/bin/Release/net10.0/wharf.dll portable -d "$work/wharf-root" -s 2311 --listen-address 127.0.0.1 \
  -u "$(id -un)" -k "$(cat "$work/id.pub")" -g '*' --config-dir "$work/wharf-config" > "$work/wharf.log" 2>&1 &
cat > "$work/sshd_config" <<CFG
Port 2312
ListenAddress 127.0.0.1
HostKey $work/ssh_host_ed25519_key
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile $work/sshd.pid
Subsystem sftp internal-sftp -d $work/sshd-root
CFG
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -D -e 2> "$work/sshd.log" &
sleep 4

run() { # server direction -> MiB/s
  local port=$([ "$1" = wharf ] && echo 2311 || echo 2312) root=$([ "$1" = wharf ] && echo "$work/wharf-root" || echo "$work/sshd-root")
  local cmd=$([ "$2" = up ] && echo "put data.bin up.bin" || echo "get down.bin down-copy.bin")
  [ "$1" = openssh ] && [ "$2" = up ] && cmd="put data.bin $root/up.bin"
  [ "$1" = openssh ] && [ "$2" = down ] && cmd="get $root/down.bin down-copy.bin"
  echo "$cmd" > "$work/batch"
  local start end
  start=$(date +%s.%N)
  (cd "$work/local" && sftp -q -F /dev/null -P $port -i "$work/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -c "$cipher" "${sftp_flags[@]}" -b "$work/batch" "$(id -un)@127.0.0.1" >/dev/null)
  end=$(date +%s.%N)
  rm -f "$work/local/down-copy.bin" "$root/up.bin"
  echo "scale=1; $size_mib / ($end - $start)" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "%-8s %10s %10s %7s   (%s MiB, %s, sftp %s)\n" dir Wharf OpenSSH ratio "$size_mib" "$cipher" "${sftp_flags[*]:-defaults}"
for dir in up down; do
  w=(); o=()
  for _ in $(seq "$rounds"); do w+=("$(run wharf $dir)"); o+=("$(run openssh $dir)"); done
  wm=$(printf "%s\n" "${w[@]}" | median); om=$(printf "%s\n" "${o[@]}" | median)
  printf "%-8s %10s %10s %7s\n" "$dir" "$wm" "$om" "$(echo "scale=2; $wm / $om" | bc)"
done
