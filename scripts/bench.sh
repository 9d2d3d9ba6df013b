#!/usr/bin/env bash
# Wharf beside OpenSSH on this machine: `wharf portable` (Release) and Debian's sshd with
# internal-sftp, each on its own loopback port, serving the same directory, driven by the same
# clients, alternating within every round (the order flips each round); medians and the
# Wharf/OpenSSH ratio. See docs/benchmarks.md for the rows and the latest table.
#
#   scripts/bench.sh [--quick] [--rows "1 2 3 4 5 6 7 8"] [--rounds N] [--size MIB] [--out FILE] [--r2r] [--no-warmup]
#                    [--reference debian|openssh10] [--client debian|openssh10]
#
# --reference openssh10 runs OpenSSH 10.5p1's sshd (scripts/build-openssh.sh builds it) as the
# reference instead of Debian's 9.2, the sshd a user would install today; --client openssh10 drives
# both servers with 10.5's sftp/scp/ssh instead of Debian's 9.2 (row 6's asyncssh case is the same
# either way).
#
# --r2r publishes wharf ReadyToRun (precompiled; less JIT work while the first connections arrive)
# instead of running the plain Release build.
#
# Before the transfer rows (1, 2, 3, 7), each server gets one untimed 128 MiB get and put per
# cipher, so the figures are steady state: Wharf's JIT has tiered up the packet path of every
# cipher, and both servers read the same warm page cache; before row 6, 100 untimed connections
# per server and key exchange. --no-warmup measures from cold.
#
# --quick shrinks every row (128 MiB transfers, 1 round, 500 files, 10,000 entries, 50
# connections, 8 x 32 MiB, 100 idle sessions) so the whole table takes a few minutes.
# Environment overrides: SIZE_MIB FILES ENTRIES CONNS PAR PAR_MIB IDLE ROUNDS ROWS, and for rows 1
# and 2 CIPHERS (default "aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr") and
# DIRS (default "up down").
#
# Row 6's sftp case runs once per entry of KEX (default "default curve25519-sha256"): "default"
# leaves the client and each server to negotiate (the label shows what each chose), a method name
# is forced with -o KexAlgorithms on both. The client's own share of a key exchange counts in a
# connection rate: OpenSSH's sntrup761 key generation alone costs the client about 0.1 s, so with a
# 9.2 client (which prefers sntrup761) both servers wait on it; the server CPU per connection is
# printed too, and does not depend on the client.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

ROWS=${ROWS:-"1 2 3 4 5 6 7 8"}; ROUNDS=${ROUNDS:-3}; SIZE_MIB=${SIZE_MIB:-1024}; FILES=${FILES:-2000}
ENTRIES=${ENTRIES:-50000}; CONNS=${CONNS:-200}; PAR=${PAR:-8}; PAR_MIB=${PAR_MIB:-256}; IDLE=${IDLE:-500}; OUT=${OUT:-}
KEX=${KEX:-"default curve25519-sha256"}; REFERENCE=${REFERENCE:-debian}; CLIENT=${CLIENT:-debian}; R2R=${R2R:-0}; WARMUP=${WARMUP:-1}; CIPHERS=${CIPHERS:-"aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr"}; DIRS=${DIRS:-"up down"}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) SIZE_MIB=128; ROUNDS=1; FILES=500; ENTRIES=10000; CONNS=50; PAR_MIB=32; IDLE=100; shift ;;
    --rows) ROWS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --size) SIZE_MIB=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --r2r) R2R=1; shift ;;
    --no-warmup) WARMUP=0; shift ;;
    --reference) REFERENCE=$2; shift 2 ;;
    --client) CLIENT=$2; shift 2 ;;
    *) echo "usage: $0 [--quick] [--rows \"1 2 ...\"] [--rounds N] [--size MIB] [--out FILE] [--r2r] [--no-warmup] [--reference debian|openssh10] [--client debian|openssh10]" >&2; exit 2 ;;
  esac
done

need=()
for p in openssh-server openssh-client bc python3-asyncssh; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

sshd_bin=/usr/sbin/sshd; sftp_bin=sftp; scp_bin=scp; client_ssh=""; sshd_extra=""
case "$REFERENCE$CLIENT" in *openssh10*) ossh10=$(bash scripts/build-openssh.sh) ;; esac
case "$REFERENCE" in
  debian) ;;
  openssh10) sshd_bin=$ossh10/sshd
    # 10.x splits sshd into sshd-session and sshd-auth, found at their installed paths unless told.
    sshd_extra="SshdSessionPath $ossh10/sshd-session"$'\n'"SshdAuthPath $ossh10/sshd-auth" ;;
  *) echo "--reference: debian or openssh10" >&2; exit 2 ;;
esac
case "$CLIENT" in
  debian) ;;
  openssh10) sftp_bin=$ossh10/sftp; scp_bin=$ossh10/scp; client_ssh=$ossh10/ssh ;;
  *) echo "--client: debian or openssh10" >&2; exit 2 ;;
esac
echo "reference: $("$sshd_bin" -V 2>&1 | grep -o 'OpenSSH_[^ ,]*' | head -1) sshd; client: $("${client_ssh:-ssh}" -V 2>&1)"
WPORT=${WPORT:-2331}; OPORT=${OPORT:-2332}
work=$(mktemp -d /tmp/wharf-bench.XXXX)
root=$work/root; local_dir=$work/local
wharf_pid=""; sshd_pid=""
cleanup() {
  [ -n "$wharf_pid" ] && kill "$wharf_pid" 2>/dev/null || true
  if [ -n "$sshd_pid" ]; then
    pkill -P "$sshd_pid" 2>/dev/null || true   # per-connection sshd processes (they setsid)
    kill "$sshd_pid" 2>/dev/null || true
  fi
  for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$root" "$local_dir"
ssh-keygen -q -t ed25519 -N "" -f "$work/id" >/dev/null
cp "$work/id.pub" "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N "" -f "$work/ssh_host_ed25519_key" >/dev/null
user=$(id -un)

if [ "$R2R" = 1 ]; then
  dotnet publish src/Wharf.Server -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$work/wharf-r2r" -nologo -clp:ErrorsOnly >/dev/null
  wharf_dll=$work/wharf-r2r/wharf.dll
else
  dotnet build src/Wharf.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
  wharf_dll=$repo/src/Wharf.Server/bin/Release/net10.0/wharf.dll
fi

wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
start_wharf() {
  if [ -n "$wharf_pid" ]; then kill "$wharf_pid" 2>/dev/null || true; wait "$wharf_pid" 2>/dev/null || true; fi
  dotnet "$wharf_dll" portable -d "$root" -s "$WPORT" --listen-address 127.0.0.1 -u "$user" -k "$(cat "$work/id.pub")" \
    -g '*' -c '*' --config-dir "$work/wharf-config" >> "$work/wharf.log" 2>&1 &
  wharf_pid=$!
  wait_port "$WPORT"
}
cat > "$work/sshd_config" <<CFG
Port $OPORT
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
Subsystem sftp internal-sftp -d $root
$sshd_extra
CFG
mkdir -p /run/sshd
"$sshd_bin" -f "$work/sshd_config" -D -e 2> "$work/sshd.log" &
sshd_pid=$!
start_wharf
wait_port "$OPORT"

port_of() { [ "$1" = wharf ] && echo "$WPORT" || echo "$OPORT"; }
ssh_opts=(-F /dev/null -i "$work/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes)
# Runs an sftp batch; lines "!echo T $(date)" inside it time the work within the session, so
# process start, key exchange and login are not counted against a transfer.
sftp_batch() { # server batchfile [sftp flags...] -> the batch's output
  local server=$1 batch=$2; shift 2
  (cd "$local_dir" && "$sftp_bin" -q "${ssh_opts[@]}" ${client_ssh:+-S "$client_ssh"} -P "$(port_of "$server")" "$@" -b "$batch" "$user@127.0.0.1")
}
stamp='!echo T $(date +%s.%N)'
stamps() { grep '^T ' | awk '{print $2}'; }
rate() { echo "scale=1; $1 / ($3 - $2)" | bc; }   # amount start end -> amount per second
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

results=$work/results.md
printf "| row | case | unit | Wharf | OpenSSH | Wharf/OpenSSH |\n|---|---|---|---|---|---|\n" > "$results"
echo "$(date -u +%FT%TZ)  rounds=$ROUNDS size=${SIZE_MIB}MiB files=$FILES entries=$ENTRIES conns=$CONNS par=${PAR}x${PAR_MIB}MiB idle=$IDLE"
# pair ROW CASE UNIT FUNCTION ARGS... : FUNCTION SERVER ARGS prints one figure; alternate, median.
pair() {
  local row=$1 name=$2 unit=$3 fn=$4; shift 4
  local w=() o=() r
  : > "$work/cpu.log"
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then w+=("$($fn wharf "$@")"); o+=("$($fn openssh "$@")")
    else o+=("$($fn openssh "$@")"); w+=("$($fn wharf "$@")"); fi
  done
  record "$row" "$name" "$unit" "$(printf "%s\n" "${w[@]}" | median)" "$(printf "%s\n" "${o[@]}" | median)" "${w[*]}" "${o[*]}"
  if [ -s "$work/cpu.log" ]; then
    cpu_median() { awk -v k="$1" '$1 == k {print $2}' "$work/cpu.log" | median; }
    printf "    CPU seconds (medians): server Wharf %s, OpenSSH %s; clients with Wharf %s, with OpenSSH %s\n" \
      "$(cpu_median wharf)" "$(cpu_median openssh)" "$(cpu_median client-wharf)" "$(cpu_median client-openssh)"
    if [ "$row" = 6 ]; then
      printf "    server CPU ms per connection: Wharf %s, OpenSSH %s\n" \
        "$(echo "scale=2; 1000 * $(cpu_median wharf) / $CONNS" | bc)" "$(echo "scale=2; 1000 * $(cpu_median openssh) / $CONNS" | bc)"
    fi
  fi
}
# CPU seconds the server spent (rows 1, 2, 7): Wharf's process; for OpenSSH the listener plus
# every reaped per-connection process (cutime/cstime), so the session must have ended first.
server_cpu() { # server -> seconds so far
  if [ "$1" = wharf ]; then awk '{printf "%.2f", ($14+$15)/100}' "/proc/$wharf_pid/stat"
  else
    for _ in $(seq 50); do pgrep -P "$sshd_pid" > /dev/null || break; sleep 0.1; done
    awk '{printf "%.2f", ($14+$15+$16+$17)/100}' "/proc/$sshd_pid/stat"
  fi
}
cpu_note() { # server before -> appends "server seconds" to the case's CPU log
  echo "$1 $(echo "$(server_cpu "$1") - $2" | bc)" >> "$work/cpu.log"
}
client_cpu_note() { # server: the CPU seconds of this (sub)shell's reaped children = the clients
  times > "$work/times"   # not in a $(...): that subshell would have no children of its own
  echo "client-$1 $(tail -1 "$work/times" | awk '{gsub(/[ms]/, " "); print $1*60 + $2 + $3*60 + $4}')" >> "$work/cpu.log"
}
record() {
  # bc prints ".01" for 0.019: three decimals below 0.1 (row 8), and always a leading zero.
  local ratio; ratio=$(echo "scale=3; r = 0; if ($5 != 0) r = $4 / $5; if (r >= 0.1) { scale=2; r = r / 1 }; r" | bc)
  [[ $ratio == .* ]] && ratio="0$ratio"
  printf "%-3s %-52s %-8s %10s %10s %7s   [%s | %s]\n" "$1" "$2" "$3" "$4" "$5" "$ratio" "$6" "$7"
  printf "| %s | %s | %s | %s | %s | %s |\n" "$1" "$2" "$3" "$4" "$5" "$ratio" >> "$results"
}

# Rows 1, 2: one transfer in one session.
xfer() { # server dir extra-flags...
  local server=$1 dir=$2; shift 2
  if [ "$dir" = up ]; then printf '%s\nput %s up.bin\n%s\n' "$stamp" "$local_dir/data.bin" "$stamp" > "$work/b-xfer"
  else printf '%s\nget down.bin %s\n%s\n' "$stamp" "$local_dir/down-copy.bin" "$stamp" > "$work/b-xfer"; fi
  local cpu0; cpu0=$(server_cpu "$server")
  sftp_batch "$server" "$work/b-xfer" "$@" > "$work/xfer-out" || true
  local t; t=($(stamps < "$work/xfer-out"))
  cpu_note "$server" "$cpu0"
  client_cpu_note "$server"
  rm -f "$root/up.bin" "$local_dir/down-copy.bin"
  [ ${#t[@]} -eq 2 ] || { echo "transfer against $server failed" >&2; echo 0; return; }
  rate "$SIZE_MIB" "${t[0]}" "${t[1]}"
}
cipher_flags() {
  case "$1" in
    aes128-ctr) echo "-c aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com" ;;
    *) echo "-c $1" ;;
  esac
}
cipher_label() { [ "$1" = aes128-ctr ] && echo "aes128-ctr+hmac-sha2-256-etm" || echo "${1%@openssh.com}"; }
transfer_rows() { # row mode(defaults|big)
  local row=$1 mode=$2 c d flags label
  for c in $CIPHERS; do
    for d in $DIRS; do
      flags=(); label=defaults
      # OpenSSH's sftp refuses to send a message over 256 KiB, so -B 262144 uploads fail in the
      # client whatever the server; 261120 (255 KiB) is the largest -B an upload can use.
      if [ "$mode" = big ]; then
        if [ "$d" = up ]; then flags=(-B 261120 -R 128); else flags=(-B 262144 -R 128); fi
        label="${flags[*]}"
      fi
      # shellcheck disable=SC2046
      pair "$row" "sftp $label, $(cipher_label "$c"), $d" "MiB/s" xfer "$d" "${flags[@]}" $(cipher_flags "$c")
    done
  done
}
make_data() {
  [ -f "$local_dir/data.bin" ] || head -c $((SIZE_MIB << 20)) /dev/urandom > "$local_dir/data.bin"
  [ -f "$root/down.bin" ] || cp "$local_dir/data.bin" "$root/down.bin"
}

# Row 3: scp in legacy (-O) mode; wall clock, so process start and login are counted.
scp_xfer() { # server dir
  local port target start end; port=$(port_of "$1")
  target=$([ "$1" = wharf ] && echo "/" || echo "$root/")
  start=$(date +%s.%N)
  if [ "$2" = up ]; then "$scp_bin" -O -q ${client_ssh:+-S "$client_ssh"} "${ssh_opts[@]}" -P "$port" "$local_dir/data.bin" "$user@127.0.0.1:${target}up.bin"
  else "$scp_bin" -O -q ${client_ssh:+-S "$client_ssh"} "${ssh_opts[@]}" -P "$port" "$user@127.0.0.1:${target}down.bin" "$local_dir/down-copy.bin"; fi
  end=$(date +%s.%N)
  rm -f "$root/up.bin" "$local_dir/down-copy.bin"
  rate "$SIZE_MIB" "$start" "$end"
}

# Row 4: many small files, up then down, one session. Prints "up down" files/s; pair on one.
small_files() { # server which
  printf '%s\nput -r %s up-small\n%s\nget -r up-small %s\n%s\n' "$stamp" "$local_dir/small" "$stamp" "$local_dir/back-small" "$stamp" > "$work/b-small"
  local t; t=($(sftp_batch "$1" "$work/b-small" | stamps)) || true
  local n; n=$(find "$local_dir/back-small" -type f | wc -l)
  rm -rf "$root/up-small" "$local_dir/back-small"
  [ "$n" -eq "$FILES" ] || { echo "small files: $n of $FILES came back from $1" >&2; echo 0; return; }
  if [ "$2" = up ]; then rate "$FILES" "${t[0]}" "${t[1]}"; else rate "$FILES" "${t[1]}" "${t[2]}"; fi
}

# Row 5: `ls -l` of a directory of ENTRIES entries.
listing() { # server
  printf '%s\nls -l big\n%s\n' "$stamp" "$stamp" > "$work/b-ls"
  local out; out=$(sftp_batch "$1" "$work/b-ls") || true
  local n; n=$(grep -c ' big/e' <<< "$out" || true)
  [ "$n" -eq "$ENTRIES" ] || { echo "listing: $n of $ENTRIES entries from $1" >&2; echo 0; return; }
  local t; t=($(stamps <<< "$out"))
  rate "$ENTRIES" "${t[0]}" "${t[1]}"
}

# Row 6: sequential connections, each connect + publickey + SFTP init + one stat + close.
kex_flags() { [ "$1" = default ] || echo "-o KexAlgorithms=$1"; }
negotiated_kex() { # server kex -> the key exchange method the client and that server agree on
  echo "ls -l probe.txt" > "$work/b-probe"
  # shellcheck disable=SC2046
  sftp_batch "$1" "$work/b-probe" -v $(kex_flags "$2") 2>&1 >/dev/null | sed -n 's/.*kex: algorithm: //p' | tr -d '\r' | head -1
}
connections_sftp() { # server kex
  echo "ls -l probe.txt" > "$work/b-probe"
  local cpu0; cpu0=$(server_cpu "$1")
  local start end; start=$(date +%s.%N)
  # shellcheck disable=SC2046
  for _ in $(seq "$CONNS"); do sftp_batch "$1" "$work/b-probe" $(kex_flags "$2") > /dev/null; done
  end=$(date +%s.%N)
  cpu_note "$1" "$cpu0"
  client_cpu_note "$1"
  rate "$CONNS" "$start" "$end"
}
connections_asyncssh() { # server
  BENCH_USER=$user /usr/bin/python3 "$repo/bench/tools/asyncssh_client.py" conns "$(port_of "$1")" "$work/id" "$CONNS" probe.txt
}

# Row 7: PAR clients at once, each moving PAR_MIB; aggregate over first start to last end.
parallel() { # server dir
  local i pids=()
  for i in $(seq "$PAR"); do
    if [ "$2" = up ]; then printf '%s\nput %s par-up-%s.bin\n%s\n' "$stamp" "$local_dir/par.bin" "$i" "$stamp"
    else printf '%s\nget par.bin %s\n%s\n' "$stamp" "$local_dir/par-down-$i.bin" "$stamp"; fi > "$work/b-par-$i"
  done
  local cpu0; cpu0=$(server_cpu "$1")
  for i in $(seq "$PAR"); do sftp_batch "$1" "$work/b-par-$i" > "$work/par-out-$i" & pids+=($!); done
  wait "${pids[@]}"
  cpu_note "$1" "$cpu0"
  local first last
  first=$(cat "$work"/par-out-* | stamps | sort -n | head -1); last=$(cat "$work"/par-out-* | stamps | sort -n | tail -1)
  rm -f "$root"/par-up-*.bin "$local_dir"/par-down-*.bin "$work"/par-out-*
  rate $((PAR * PAR_MIB)) "$first" "$last"
}

# Row 8: resident memory with IDLE authenticated, idle SFTP sessions.
tree_rss_kib() { # pid -> VmRSS of it and all its descendants, KiB
  ps -e -o pid=,ppid=,rss= | awk -v top="$1" '{p[$1]=$2; r[$1]=$3} END {
    for (x in p) { y=x; while (y != "" && y != top && y in p && y != 1) y=p[y]; if (y == top) s+=r[x] } print s }'
}
idle_memory() { # server -> MiB (call start_wharf first: a fresh process, not one grown by the rows before)
  local fifo=$work/idle-in; rm -f "$fifo"; mkfifo "$fifo"
  BENCH_USER=$user /usr/bin/python3 "$repo/bench/tools/asyncssh_client.py" idle "$(port_of "$1")" "$work/id" "$IDLE" < "$fifo" > "$work/idle-out" 2>"$work/idle-err" &
  local client=$!
  exec 7>"$fifo"
  for _ in $(seq 1800); do grep -q '^ready' "$work/idle-out" 2>/dev/null && break; kill -0 "$client" 2>/dev/null || break; sleep 0.2; done
  if ! grep -q "^ready $IDLE" "$work/idle-out"; then echo "idle sessions: $(cat "$work/idle-err" | tail -3)" >&2; exec 7>&-; wait "$client" || true; echo 0; return; fi
  sleep 2
  local kib
  if [ "$1" = wharf ]; then kib=$(awk '/^VmRSS/ {print $2}' "/proc/$wharf_pid/status"); else kib=$(tree_rss_kib "$sshd_pid"); fi
  exec 7>&-; wait "$client" || true
  echo "scale=1; $kib / 1024" | bc
}

# One untimed 128 MiB get and put per cipher against each server (see the header).
warm_up() {
  head -c $((128 << 20)) /dev/urandom > "$root/warm.bin"
  printf 'get warm.bin %s\nput %s warm-up.bin\n' "$local_dir/warm-copy.bin" "$local_dir/warm-copy.bin" > "$work/b-warm"
  local c s
  for c in $CIPHERS; do
    for s in wharf openssh; do
      # shellcheck disable=SC2046
      sftp_batch "$s" "$work/b-warm" $(cipher_flags "$c") > /dev/null || echo "warm-up against $s with $c failed" >&2
    done
  done
  rm -f "$root/warm.bin" "$root/warm-up.bin" "$local_dir/warm-copy.bin"
}
if [ "$WARMUP" = 1 ] && grep -qE '(^| )(1|2|3|7)( |$)' <<< "$ROWS"; then warm_up; fi
# Before row 6, 100 untimed connections per server and key exchange method: a fresh Wharf compiles
# its connection path as the first ones arrive (its server CPU per connection fell from about 20 ms
# towards 5 ms over its first few hundred here), and sshd, forking a process per connection, has nothing to warm.
warm_up_connections() {
  echo "ls -l probe.txt" > "$work/b-probe"
  local k s
  for k in $KEX; do
    for s in wharf openssh; do
      # shellcheck disable=SC2046
      for _ in $(seq 100); do sftp_batch "$s" "$work/b-probe" $(kex_flags "$k") > /dev/null || true; done
    done
  done
}

for row in $ROWS; do
  case $row in
    1) make_data; transfer_rows 1 defaults ;;
    2) make_data; transfer_rows 2 big ;;
    3) make_data; pair 3 "scp -O, up" "MiB/s" scp_xfer up; pair 3 "scp -O, down" "MiB/s" scp_xfer down ;;
    4) mkdir -p "$local_dir/small"
       for i in $(seq "$FILES"); do head -c 8192 /dev/urandom > "$local_dir/small/f$i"; done
       pair 4 "$FILES x 8 KiB, put -r" "files/s" small_files up
       pair 4 "$FILES x 8 KiB, get -r" "files/s" small_files down ;;
    5) mkdir -p "$root/big"; (cd "$root/big" && seq -f "e%06g" "$ENTRIES" | xargs touch)
       pair 5 "ls -l of $ENTRIES entries" "entries/s" listing ;;
    6) touch "$root/probe.txt"
       [ "$WARMUP" = 1 ] && warm_up_connections
       for k in $KEX; do
         kw=$(negotiated_kex wharf "$k"); ko=$(negotiated_kex openssh "$k")
         if [ "$kw" = "$ko" ]; then label="$kw"; else label="Wharf $kw, OpenSSH $ko"; fi
         [ "$k" = default ] && label="defaults: $label"
         pair 6 "$CONNS connections, sftp client, $label" "conn/s" connections_sftp "$k"
       done
       pair 6 "$CONNS connections, asyncssh (one process)" "conn/s" connections_asyncssh ;;
    7) [ -f "$root/par.bin" ] || head -c $((PAR_MIB << 20)) /dev/urandom > "$root/par.bin"
       cp "$root/par.bin" "$local_dir/par.bin"
       pair 7 "$PAR clients x $PAR_MIB MiB, up" "MiB/s" parallel up
       pair 7 "$PAR clients x $PAR_MIB MiB, down" "MiB/s" parallel down ;;
    8) start_wharf; saved=$ROUNDS; ROUNDS=1; pair 8 "RSS, $IDLE idle SFTP sessions (lower is better)" "MiB" idle_memory; ROUNDS=$saved ;;
    *) echo "unknown row $row" >&2; exit 2 ;;
  esac
done
echo
cat "$results"
[ -n "$OUT" ] && cp "$results" "$OUT"
exit 0
