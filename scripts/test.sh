#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the interop clients, builds in Release,
# runs every test project, and ends with "N passed, M failed".
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
if [ "$failed" -gt 0 ]; then
  # CI keeps only the tail of the output: repeat each failure (name and first lines of its
  # message) just above the summary so a failed run says what failed.
  echo "=== failed tests ==="
  python3 scripts/trx-failures.py artifacts/test-results/*.trx || true
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit $status
