#!/usr/bin/env bash
# Connection rate: N sequential `sftp -b` sessions (connect, publickey auth, SFTP init, one stat,
# close) against `wharf portable` and OpenSSH's sshd (internal-sftp), alternating per round.
#   scripts/bench-connections.sh [CONNECTIONS=200] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}; rounds=${2:-3}
work=$(mktemp -d /tmp/wharf-conn-bench.XXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/wharf-root" "$work/sshd-root"
ssh-keygen -q -t ed25519 -N "" -f "$work/id" >/dev/null
cp "$work/id.pub" "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh_host_ed25519_key" >/dev/null
dotnet build src/Wharf.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet src/Wharf.Server/bin/Release/net10.0/wharf.dll portable -d "$work/wharf-root" -s 2321 --listen-address 127.0.0.1 \
  -u "$(id -un)" -k "$(cat "$work/id.pub")" -g '*' --config-dir "$work/wharf-config" > "$work/wharf.log" 2>&1 &
cat > "$work/sshd_config" <<CFG
Port 2322
ListenAddress 127.0.0.1
HostKey $work/ssh_host_ed25519_key
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin yes
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 1000
PidFile $work/sshd.pid
Subsystem sftp internal-sftp
CFG
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -D -e 2> "$work/sshd.log" &
sleep 4
# One stat: `ls -l` of a single file stats it and prints one line.
touch "$work/wharf-root/probe.txt" "$work/sshd-root/probe.txt"
echo "ls -l probe.txt" > "$work/batch-wharf"
echo "ls -l $work/sshd-root/probe.txt" > "$work/batch-openssh"
run() { # port batch -> connections per second
  local start end
  start=$(date +%s.%N)
  for _ in $(seq "$n"); do
    sftp -q -F /dev/null -P "$1" -i "$work/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o LogLevel=ERROR -b "$work/$2" "$(id -un)@127.0.0.1" > /dev/null
  done
  end=$(date +%s.%N)
  echo "scale=1; $n / ($end - $start)" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
w=(); o=()
for _ in $(seq "$rounds"); do w+=("$(run 2321 batch-wharf)"); o+=("$(run 2322 batch-openssh)"); done
wm=$(printf "%s\n" "${w[@]}" | median); om=$(printf "%s\n" "${o[@]}" | median)
printf "%-22s %10s %10s %7s\n" "connections/s ($n)" Wharf OpenSSH ratio
printf "%-22s %10s %10s %7s\n" "" "$wm" "$om" "$(echo "scale=2; $wm / $om" | bc)"
