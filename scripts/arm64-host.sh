#!/usr/bin/env bash
# The arm64 host leg alone (scripts/e2e/checks/95-arm64-host.sh, which scripts/e2e.sh also runs):
# jvfio's tests of os, transport and server plus a serve/lspci/fuzz smoke on an arm64 Debian
# userland under qemu user-mode emulation. Prepare it once with scripts/e2e-env.sh (or
# scripts/arm64-host-env.sh), as root on Debian.
#
# Usage: [JVFIO_ARM64_HOST_FULL=1] scripts/arm64-host.sh [--keep]
#   JVFIO_ARM64_HOST_FULL=1  also run the test classes the CI run leaves out (see the check file)
#   --keep                   keep the logs (kept anyway on failure)
# Prints PASS/FAIL/SKIP lines like the suite and "N passed, N failed, N skipped"; exit 0 iff none failed.
set -uo pipefail
E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=""
case "${1:-}" in
  --keep) keep=1 ;;
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "arm64-host: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
. "$E2E_REPO/scripts/e2e/lib.sh"
work_init
trap 'exit 130' INT TERM
run_check "$E2E_REPO/scripts/e2e/checks/95-arm64-host.sh"
echo "arm64-host: logs in $WORK"
e2e_counts
if [ "$E2E_FAILED" = 0 ] && [ -z "$keep" ]; then rm -rf "$WORK"; fi
echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
[ "$E2E_FAILED" = 0 ]
