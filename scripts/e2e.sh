#!/usr/bin/env bash
# The guest suite: boots QEMU guests (TCG) against devices served by ./jvfio serve, with the QEMU
# options ./jvfio qemu-args prints, and checks inside the guests what a VM really sees.
#
# Usage: scripts/e2e.sh [--qemu PATH] [--only REGEX] [--keep]
#   --qemu PATH   use this QEMU (>= 10.1, with vfio-user-pci) instead of the provisioned one
#   --only REGEX  run only the check files whose name matches (e.g. --only 'gpu|numa')
#   --keep        keep the work directory (consoles, serve logs) even when everything passed
# Needs the environment of scripts/e2e-env.sh (run that first, as root on Debian; it is cached).
# Prints one line per check (PASS name / FAIL name: detail / SKIP name: why) and a last line
# "N passed, N failed, N skipped"; exit 0 iff none failed. Each check file runs in a subshell of
# its own (run_check in scripts/e2e/lib.sh): nothing it sets reaches the next one.
set -uo pipefail
E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qemu="" only="" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) qemu=$2; shift 2 ;;
    --qemu=*) qemu=${1#--qemu=}; shift ;;
    --only) only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "e2e: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cache=${JVFIO_E2E_CACHE:-$HOME/.cache/jvfio/e2e}
if [ ! -f "$cache/env.sh" ]; then
  echo "e2e: the guest environment is not prepared: run scripts/e2e-env.sh first (as root on Debian)" >&2
  exit 2
fi
. "$cache/env.sh"
if [ -n "$qemu" ]; then
  "$qemu" -device help 2>/dev/null | grep -q '"vfio-user-pci"' || { echo "e2e: --qemu $qemu has no vfio-user-pci (QEMU >= 10.1 needed)" >&2; exit 2; }
  E2E_QEMU_X86=$qemu
fi

. "$E2E_REPO/scripts/e2e/lib.sh"
JVFIO=$E2E_REPO/jvfio
work_init
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
echo "e2e: $("$E2E_QEMU_X86" --version | head -1); guest kernel $E2E_KVER_X86; work dir $WORK"
"$JVFIO" --version >/dev/null 2>&1 || { echo "e2e: ./jvfio does not run" >&2; exit 1; }
build_initramfs x86_64 || { fail "setup/initramfs" "see above"; e2e_summary; exit 1; }
if [ -n "${E2E_KERNEL_AA64:-}" ]; then
  build_initramfs aarch64 || { fail "setup/initramfs-aarch64" "see above"; e2e_summary; exit 1; }
  echo "e2e: arm64 leg: $("$E2E_QEMU_AA64" --version | head -1); guest kernel $E2E_KVER_AA64"
fi

for check in "$E2E_REPO"/scripts/e2e/checks/*.sh; do
  name=$(basename "$check" .sh)
  if [ -n "$only" ] && ! [[ $name =~ $only ]]; then continue; fi
  run_check "$check" || exit 130
done

echo "e2e: suite time $(( SECONDS - started )) s; logs in $WORK"
e2e_counts
if [ "$E2E_FAILED" = 0 ] && [ -z "$keep" ]; then rm -rf "$WORK"; fi
echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
[ "$E2E_FAILED" = 0 ]
