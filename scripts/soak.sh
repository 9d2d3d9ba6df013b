#!/usr/bin/env bash
# Soak test (not in CI): `wharf serve` (Release build, SQLite, loopback only) under N SFTP clients
# doing mixed uploads, downloads, listings, renames and deletes for a fixed time, every byte
# checked (bench/tools/soak_client.py). Prints the server's RSS and open descriptors every 10 s,
# then the totals; exits non-zero on any error or corrupted file.
#   scripts/soak.sh [--minutes N] [--clients N] [--port P] [--procs K] [--reconnect-every R] [--no-build] [--keep]
# Defaults: 10 minutes, 64 clients, a free port, K = min(4, cores) client processes, a reconnect
# (new connection and login) every 50 operations. The server keeps its defaults (defender on,
# max_connections_per_ip 20): each client connects from its own 127.0.x.y source address, and none
# fails a login. The HTTP server is off (WHARF_HTTPD__BIND_PORT=0). --keep leaves the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10; clients=64; port=""; procs=""; reconnect=50; build=1; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --reconnect-every) reconnect=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3
"$py" -c 'import asyncssh' 2>/dev/null || { echo "soak.sh: $py needs asyncssh (apt-get install python3-asyncssh)" >&2; exit 2; }
seconds=$(echo "$minutes * 60 / 1" | bc)

work=$(mktemp -d /tmp/wharf-soak.XXXX)
server_pid=""; sampler_pid=""; client_pid=""
stop() { # pid: TERM, then KILL after 15 s
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$client_pid"; stop "$sampler_pid"; stop "$server_pid"
  if [ "$keep" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dll=src/Wharf.Server/bin/Release/net10.0/wharf.dll
[ "$build" = 1 ] && dotnet build src/Wharf.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
[ -f "$dll" ] || { echo "soak.sh: $dll missing (build src/Wharf.Server -c Release)" >&2; exit 2; }
[ -n "$port" ] || port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cfg=$work/config; mkdir -p "$cfg" "$work/home"
export WHARF_SFTPD__BIND_ADDRESS=127.0.0.1 WHARF_SFTPD__BIND_PORT=$port WHARF_HTTPD__BIND_PORT=0 \
  WHARF_DATA_PROVIDER__DRIVER=sqlite
ssh-keygen -q -t ed25519 -N "" -f "$work/id" >/dev/null
dotnet "$dll" user add -c "$cfg" -u soak -k "$(cat "$work/id.pub")" --home-dir "$work/home" -g "/:*" >/dev/null

dotnet "$dll" serve -c "$cfg" > "$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  kill -0 "$server_pid" 2>/dev/null || { echo "soak.sh: the server exited:" >&2; cat "$work/server.out" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
echo "wharf serve pid $server_pid on 127.0.0.1:$port (SQLite, config $cfg); $clients clients for $minutes min; $(date -u '+%Y-%m-%d %H:%M:%S') UTC"

sample() { # elapsed -> "elapsed rss_kib fds threads"
  local rss fds thr
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null) || return 1
  thr=$(awk '/^Threads:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)
  fds=$(ls "/proc/$server_pid/fd" 2>/dev/null | wc -l)
  echo "$1 $rss $fds $thr"
}
(
  start=$(date +%s); n=0
  while :; do
    s=$(sample $(( $(date +%s) - start ))) || exit 0
    echo "$s" >> "$work/samples"
    read -r t r f h <<< "$s"
    printf "sample %5ss  RSS %7.1f MiB  fds %4s  threads %3s\n" "$t" "$(echo "scale=1; $r / 1024" | bc)" "$f" "$h"
    n=$((n + 1)); sleep $(( start + 10 * n - $(date +%s) > 0 ? start + 10 * n - $(date +%s) : 0 ))
  done
) &
sampler_pid=$!

set +e
timeout --signal=TERM --kill-after=30 $((seconds + 300)) \
  "$py" bench/tools/soak_client.py --port "$port" --key "$work/id" --user soak --clients "$clients" \
  --seconds "$seconds" --reconnect-every "$reconnect" --status-dir "$work" ${procs:+--procs "$procs"} \
  > >(tee "$work/client.out") 2> >(tee "$work/client.err" >&2) &
client_pid=$!
wait "$client_pid"; client_rc=$?
client_pid=""
set -e
sleep 1; sample "end" >> "$work/samples" || true
stop "$sampler_pid"; sampler_pid=""
server_alive=1; kill -0 "$server_pid" 2>/dev/null || server_alive=0
stop "$server_pid"; server_pid=""

log_errors=$(cat "$cfg"/wharf.log* 2>/dev/null | grep -cE '"level":"(error|fatal|critical)"' || true)
log_warnings=$(cat "$cfg"/wharf.log* 2>/dev/null | grep -c '"level":"warn' || true)
"$py" - "$work" "$client_rc" "$server_alive" "$log_errors" "$log_warnings" <<'PY'
import json, sys
work, client_rc, alive, log_errors, log_warnings = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]), int(sys.argv[5])
tot = None
for line in open(f"{work}/client.out"):
    if line.startswith("TOTALS "):
        tot = json.loads(line[7:])
samples = [l.split() for l in open(f"{work}/samples")]
rss = [int(s[1]) / 1024 for s in samples]
fds = [int(s[2]) for s in samples]
after1 = [int(s[1]) / 1024 for s in samples if s[0] != "end" and int(s[0]) >= 60] or rss
print("\n== soak totals ==")
if tot is None:
    print("client produced no totals (exit status %d)" % client_rc)
    sys.exit(1)
print("duration          %.0f s, %d logins (mean %.0f ms)" % (tot["seconds"], tot["logins"], 1000 * tot["login_seconds"] / max(1, tot["logins"])))
ops = tot["ops"]
print("operations        %d: " % sum(ops.values()) + ", ".join(
    "%s %d (mean %.0f ms)" % (k, v, 1000 * tot["op_seconds"][k] / max(1, v)) for k, v in ops.items()))
print("bytes             up %.1f MiB, down %.1f MiB" % (tot["bytes_up"] / 2**20, tot["bytes_down"] / 2**20))
print("errors            %d" % tot["errors"])
print("corrupted files   %d" % tot["corrupted"])
print("RSS MiB           first %.1f, min %.1f, max %.1f, last %.1f; from 60 s on: min %.1f, max %.1f (spread %.1f)" % (
    rss[0], min(rss), max(rss), rss[-1], min(after1), max(after1), max(after1) - min(after1)))
print("open fds          first %d, max %d, last %d" % (fds[0], max(fds), fds[-1]))
print("server            %s at the end; wharf.log: %d error lines, %d warnings (1 is the readiness probe's connection)" % (
    "alive" if alive else "DEAD", log_errors, log_warnings))
bad = tot["errors"] or tot["corrupted"] or client_rc or not alive
print("result            %s" % ("FAIL" if bad else "OK"))
sys.exit(1 if bad else 0)
PY
