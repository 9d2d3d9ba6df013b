#!/usr/bin/env bash
# SSH channel throughput, Wharf beside OpenSSH's sshd on this machine, same client (OpenSSH ssh),
# alternating runs; prints median MiB/s per case and the Wharf/OpenSSH ratio.
#   scripts/bench-ssh.sh [SIZE_MIB] [ROUNDS] [WINDOW] [PACKET]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-512}; rounds=${2:-3}; window=${3:-8388608}; packet=${4:-262144}
work=$(mktemp -d /tmp/wharf-bench.XXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ssh-keygen -q -t ed25519 -N "" -f "$work/id" >/dev/null
cp "$work/id.pub" "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh_host_ed25519_key" >/dev/null
head -c $((size_mib << 20)) /dev/urandom > "$work/data"

dotnet build bench/Wharf.Bench.SshHost -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet bench/Wharf.Bench.SshHost/bin/Release/net10.0/Wharf.Bench.SshHost.dll --port 2301 --authorized-keys "$work/authorized_keys" \
  --window "$window" --packet "$packet" --host-key-dir "$work/wharf-keys" > "$work/wharf.log" 2>&1 &
cat > "$work/sshd_config" <<CFG
Port 2302
ListenAddress 127.0.0.1
HostKey $work/ssh_host_ed25519_key
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile $work/sshd.pid
CFG
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -D -e 2> "$work/sshd.log" &
sleep 3

ssh_opts=(-F /dev/null -i "$work/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes)
run() { # server cipher direction -> MiB/s
  local port cmd start end
  if [ "$1" = wharf ]; then port=2301; up="sink"; down="source $((size_mib << 20))"; else port=2302; up="cat > /dev/null"; down="head -c $((size_mib << 20)) /dev/zero"; fi
  start=$(date +%s.%N)
  if [ "$3" = up ]; then ssh "${ssh_opts[@]}" -p $port -c "$2" "$(id -un)@127.0.0.1" "$up" < "$work/data"
  else ssh "${ssh_opts[@]}" -p $port -c "$2" "$(id -un)@127.0.0.1" "$down" > /dev/null; fi
  end=$(date +%s.%N)
  echo "scale=1; $size_mib / ($end - $start)" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "%-32s %-5s %10s %10s %7s\n" cipher dir "Wharf" "OpenSSH" ratio
for cipher in aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr; do
  for dir in up down; do
    w=(); o=()
    for _ in $(seq "$rounds"); do w+=("$(run wharf $cipher $dir)"); o+=("$(run openssh $cipher $dir)"); done
    wm=$(printf "%s\n" "${w[@]}" | median); om=$(printf "%s\n" "${o[@]}" | median)
    printf "%-32s %-5s %10s %10s %7s\n" "$cipher" "$dir" "$wm" "$om" "$(echo "scale=2; $wm / $om" | bc)"
  done
done
