#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that see untrusted bytes (docs/security.md#fuzzing).
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]
#
# Installs afl++ (Debian) and the sharpfuzz tool (.config/dotnet-tools.json), builds
# fuzz/Wharf.Fuzz in Release into artifacts/fuzz/bin, instruments the Wharf assemblies there (never
# the normal build output), replays each target's seed corpus (fuzz/corpus/TARGET) and runs afl-fuzz
# on it for N seconds (default 10). Every crash or hang is printed (target, file, input in base64
# and the exception it raises) and makes the script fail. The last line is
# "fuzz: N passed, M failed" (one per target); the counts are also left in artifacts/fuzz/result.
# Findings stay in artifacts/fuzz/findings/TARGET/default/{crashes,hangs}.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=10
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

out=artifacts/fuzz
mkdir -p "$out"
rm -f "$out/result"
fail_to_start() {
  echo "fuzz: could not start: $*"
  echo "passed=0 failed=1" > "$out/result"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v afl-fuzz >/dev/null; then
  echo "installing: afl++"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends afl++ >/dev/null; } \
    || fail_to_start "afl++ could not be installed"
fi
dotnet tool restore >/dev/null || fail_to_start "dotnet tool restore (sharpfuzz) failed"

# bin/ is the plain build (seeds and findings are replayed there: instrumented code runs only
# under afl-fuzz); afl/ is a fresh copy each time with the Wharf assemblies instrumented (an
# assembly must never be instrumented twice).
rm -rf "$out/bin" "$out/afl"
dotnet build fuzz/Wharf.Fuzz/Wharf.Fuzz.csproj -c Release -o "$out/bin" -nologo -clp:ErrorsOnly >"$out/build.log" 2>&1 \
  || { cat "$out/build.log"; fail_to_start "the harness does not build"; }
cp -r "$out/bin" "$out/afl"
for dll in Wharf.Ssh.dll Wharf.Sftp.dll wharf.dll; do
  dotnet tool run sharpfuzz "$out/afl/$dll" >"$out/instrument.log" 2>&1 \
    || { cat "$out/instrument.log"; fail_to_start "sharpfuzz could not instrument $dll"; }
done

dotnet_bin=$(command -v dotnet)
harness=("$dotnet_bin" "$out/bin/Wharf.Fuzz.dll")
instrumented=("$dotnet_bin" "$out/afl/Wharf.Fuzz.dll")
mapfile -t all < <("${harness[@]}" --list | cut -f1)
[ ${#all[@]} -gt 0 ] || fail_to_start "the harness lists no target"
if [ ${#targets[@]} -eq 0 ]; then targets=("${all[@]}"); fi

export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
  AFL_NO_UI=1 AFL_FAST_CAL=1
# The harness's scratch folders (configuration targets) stay under artifacts/fuzz.
export TMPDIR="$PWD/$out/tmp"
rm -rf "$TMPDIR"; mkdir -p "$TMPDIR"
passed=0; failed=0
show() { # target file what
  echo "--- $1: $3: $2 (base64 below; replay: dotnet $out/bin/Wharf.Fuzz.dll $1 FILE)"
  base64 -w 0 "$2"; echo
  timeout 30 "${harness[@]}" "$1" "$2" 2>&1 | head -40
}
for t in "${targets[@]}"; do
  if [[ ! " ${all[*]} " == *" $t "* ]]; then echo "fuzz: unknown target $t"; failed=$((failed + 1)); continue; fi
  corpus="fuzz/corpus/$t"
  if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then echo "fuzz: $t has no seed corpus"; failed=$((failed + 1)); continue; fi
  # The seeds first, outside afl: afl refuses to start on a seed that crashes or hangs, and this
  # names the exception.
  if ! timeout 120 "${harness[@]}" "$t" "$corpus"/* >"$out/seeds-$t.log" 2>&1; then
    echo "FAIL $t: a seed input fails"; head -40 "$out/seeds-$t.log"
    failed=$((failed + 1)); continue
  fi
  findings="$out/findings/$t"
  rm -rf "$findings"; mkdir -p "$out/findings"
  start=$(date +%s)
  afl-fuzz -V "$seconds" -t 5000 -m none -i "$corpus" -o "$findings" -- "${instrumented[@]}" "$t" >"$out/afl-$t.log" 2>&1
  rc=$?
  stats="$findings/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "FAIL $t: afl-fuzz did not start (exit $rc)"; tail -20 "$out/afl-$t.log"
    failed=$((failed + 1)); continue
  fi
  execs=$(sed -n 's/^execs_done *: *//p' "$stats"); paths=$(sed -n 's/^corpus_count *: *//p' "$stats")
  bad=()
  for f in "$findings"/default/crashes/id:* "$findings"/default/hangs/id:*; do
    [ -f "$f" ] && bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "FAIL $t: ${#bad[@]} finding(s) in $(( $(date +%s) - start )) s ($execs runs)"
    for f in "${bad[@]:0:5}"; do
      case "$f" in */hangs/*) what=hang ;; *) what=crash ;; esac
      show "$t" "$f" "$what"
    done
    failed=$((failed + 1))
  else
    echo "ok   $t: $execs runs, $paths inputs in the queue, $(( $(date +%s) - start )) s"
    passed=$((passed + 1))
  fi
done
echo "passed=$passed failed=$failed" > "$out/result"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
