#!/usr/bin/env bash
# Login latency under floods, Wharf beside OpenSSH's sshd (Debian's 9.2), the same flood and the
# same client for both: `wharf portable` and sshd with internal-sftp, each with its defaults
# (sshd: MaxStartups 10:30:100, LoginGraceTime 120; Wharf: 20 per address, 100 unauthenticated),
# on loopback. For each flood, tests/Wharf.Interop.Tests/scripts/flood.py holds the hostile
# connections while OpenSSH's sftp logs in LOGINS times (a publickey login and one `ls`, 30 s
# time-out); prints each server's median and worst login time and its failed logins.
#
#   scripts/flood.sh [--logins N] [--floods "none idle trickle kexinit mixed brute"]
#
# none: no flood (the baseline). idle/trickle/kexinit/mixed: 300 squatters from 127.0.0.1, the
# clients' own address (idle: nothing sent; trickle: a byte every 500 ms; kexinit: the version
# line and a KEXINIT, then nothing; mixed: 100 idle, 80 trickling, 60 stopping after the version
# line, 60 after KEXINIT). brute: 50 concurrent wrong-password logins from 127.0.0.2 (a different
# address, so that a ban of the attacker does not ban the client). Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
LOGINS=${LOGINS:-10}; FLOODS=${FLOODS:-"none idle trickle kexinit mixed brute"}
while [ $# -gt 0 ]; do
  case "$1" in
    --logins) LOGINS=$2; shift 2 ;;
    --floods) FLOODS=$2; shift 2 ;;
    *) echo "usage: $0 [--logins N] [--floods \"idle trickle kexinit mixed brute\"]" >&2; exit 2 ;;
  esac
done
for p in openssh-server openssh-client python3-asyncssh bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { echo "needs $p (apt-get install $p)" >&2; exit 1; }
done

WPORT=${WPORT:-2341}; OPORT=${OPORT:-2342}
work=$(mktemp -d /tmp/wharf-flood.XXXX)
wharf_pid=""; sshd_pid=""; flood_pid=""
cleanup() {
  [ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null || true
  pkill -P $$ -x sleep 2>/dev/null || true
  [ -n "$wharf_pid" ] && kill "$wharf_pid" 2>/dev/null || true
  if [ -n "$sshd_pid" ]; then pkill -P "$sshd_pid" 2>/dev/null || true; kill "$sshd_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/root" "$work/cfg"
ssh-keygen -q -t ed25519 -N "" -f "$work/id" >/dev/null
cp "$work/id.pub" "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh_host_ed25519_key" >/dev/null
user=$(id -un)
dotnet build src/Wharf.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet "$repo/src/Wharf.Server/bin/Release/net10.0/wharf.dll" portable -d "$work/root" -s "$WPORT" --listen-address 127.0.0.1 \
  -u "$user" -k "$(cat "$work/id.pub")" --config-dir "$work/cfg" > "$work/wharf.log" 2>&1 &
wharf_pid=$!
cat > "$work/sshd_config" <<CFG
Port $OPORT
ListenAddress 127.0.0.1
HostKey $work/ssh_host_ed25519_key
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PidFile $work/sshd.pid
Subsystem sftp internal-sftp -d $work/root
CFG
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -D -e 2> "$work/sshd.log" &
sshd_pid=$!
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
wait_port "$WPORT"; wait_port "$OPORT"
echo "ls" > "$work/batch"

login() { # port -> seconds, or "fail"
  local s e
  s=$(date +%s.%N)
  if timeout 30 sftp -q -F /dev/null -i "$work/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=30 -P "$1" -b "$work/batch" "$user@127.0.0.1" > /dev/null 2>&1; then
    e=$(date +%s.%N); echo "scale=2; ($e - $s) / 1" | bc
  else
    echo fail
  fi
}
flood_args() {
  case "$1" in
    none) echo "" ;;
    idle) echo "--idle 300" ;;
    trickle) echo "--trickle 300" ;;
    kexinit) echo "--kexinit 300" ;;
    mixed) echo "--idle 100 --trickle 80 --version 60 --kexinit 60" ;;
    brute) echo "--brute 50 --source 127.0.0.2 --user nobody-$RANDOM" ;;
  esac
}

printf '%-8s %-8s %8s %8s %7s  %s\n' flood server median worst failed "logins (s)"
for f in $FLOODS; do
  for s in wharf sshd; do
    port=$WPORT; [ "$s" = sshd ] && port=$OPORT
    # shellcheck disable=SC2046
    sleep 700 | /usr/bin/python3 "$repo/tests/Wharf.Interop.Tests/scripts/flood.py" "$port" $(flood_args "$f") --seconds 600 > "$work/flood.out" 2>&1 &
    flood_pid=$!
    sleep 5
    times=()
    for _ in $(seq "$LOGINS"); do times+=("$(login "$port")"); done
    # The pipeline's job is waited for as a whole: its `sleep` (flood.py's open stdin) goes too.
    kill "$flood_pid" 2>/dev/null || true; pkill -P $$ -x sleep 2>/dev/null || true
    wait "$flood_pid" 2>/dev/null || true; flood_pid=""
    ok=$(printf '%s\n' "${times[@]}" | grep -v fail | sort -n || true)
    failed=$(printf '%s\n' "${times[@]}" | grep -c fail || true)
    n=$(grep -c . <<< "$ok" || true)
    median=-; worst=-
    if [ "$n" -gt 0 ]; then median=$(sed -n "$(( (n + 1) / 2 ))p" <<< "$ok"); worst=$(tail -1 <<< "$ok"); fi
    printf '%-8s %-8s %8s %8s %7s  %s\n' "$f" "$s" "$median" "$worst" "$failed" "${times[*]}"
    sleep 3   # let the server shed the flood before the next one
  done
done
