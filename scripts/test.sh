#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the interop clients, builds in Release,
# runs every test project and a bounded fuzz run (scripts/fuzz.sh), and ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh || { echo "could not install test dependencies"; exit 1; }
# The OpenSSH 10.5 interop tests run the client built here (Debian's is 9.2).
WHARF_OPENSSH10=$(bash scripts/build-openssh.sh) || { echo "could not build OpenSSH 10.5"; echo "0 passed, 1 failed"; exit 1; }
export WHARF_OPENSSH10
dotnet build Wharf.slnx -c Release -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
rm -rf artifacts/test-results
status=0
dotnet test Wharf.slnx -c Release --no-build --logger "trx" --logger "console;verbosity=normal" \
  --results-directory artifacts/test-results -- RunConfiguration.TestSessionTimeout=3000000 || status=$?
passed=0; failed=0
for f in artifacts/test-results/*.trx; do
  [ -f "$f" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f2=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f2:-0}))
done
# A bounded fuzz run (docs/security.md#fuzzing): each target that ran clean counts as one passed
# test, each with a crash or hang (or that could not run) as one failed; a run that could not
# start at all is one failure too.
fuzz_status=0
mkdir -p artifacts
bash scripts/fuzz.sh --seconds "${WHARF_FUZZ_SECONDS:-10}" > artifacts/fuzz-run.log 2>&1 || fuzz_status=$?
cat artifacts/fuzz-run.log
if read -r fp ff < <(sed -n 's/^passed=\([0-9]*\) failed=\([0-9]*\)$/\1 \2/p' artifacts/fuzz/result 2>/dev/null); then
  passed=$((passed + fp)); failed=$((failed + ff))
  if [ "$ff" -eq 0 ] && [ "$fuzz_status" -ne 0 ]; then failed=$((failed + 1)); fi
else
  echo "the fuzz run left no result"; tail -20 artifacts/fuzz-run.log; failed=$((failed + 1))
fi
if [ "$fuzz_status" -ne 0 ] && [ "$status" -eq 0 ]; then status=1; fi
if [ "$failed" -gt 0 ]; then
  # CI keeps only the tail of the output: repeat each failure (name and first lines of its
  # message) just above the summary so a failed run says what failed.
  echo "=== failed tests ==="
  python3 scripts/trx-failures.py artifacts/test-results/*.trx || true
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit $status
