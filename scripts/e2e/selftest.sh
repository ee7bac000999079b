#!/usr/bin/env bash
# Tests the runner of the guest suite (run_check in lib.sh) without QEMU or the guest environment:
# runs the check files of scripts/e2e/selftest/ and compares their results with what the runner
# promises: a check's variables, functions, traps, directory and options do not reach the next
# check, an exit ends only its check (as NAME/exit, a failure), its processes are stopped, results
# of background subshells count once. Prints the run, then "selftest: ok" or what differed; exit 0
# iff ok. Takes a second.
set -uo pipefail
E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$E2E_REPO/scripts/e2e/lib.sh"
work_init
trap 'rm -rf "$WORK"' EXIT
export E2E_SELFTEST_CWD=$PWD
for check in "$E2E_REPO"/scripts/e2e/selftest/*.sh; do run_check "$check"; done >"$WORK/run.log" 2>&1
summary=$(e2e_summary)
cat "$WORK/run.log"; echo "$summary"
bad=""
want() { grep -qxF -- "$1" "$WORK/run.log" || bad="$bad; no line '$1'"; }
want_not() { ! grep -q -- "$1" "$WORK/run.log" || bad="$bad; a line with '$1'"; }
want "PASS leaks/left-behind"
want "FAIL 10-leaks/exit: the check file ended with exit status 3"
for c in no-variable no-function no-trap same-directory same-options process-stopped; do want "PASS isolated/$c"; done
want "SKIP isolated/skip-counted: a skip, counted like the rest"
want_not "unbound/after-error"
want_not "leaks/after-exit"
want_not "20-isolated/exit"
want "PASS background/from-subshell"
[ "$summary" = "8 passed, 2 failed, 1 skipped" ] || bad="$bad; summary '$summary', want '8 passed, 2 failed, 1 skipped'"
grep -q '^FAIL 30-unbound/exit: the check file ended with exit status [1-9]' "$WORK/run.log" || bad="$bad; no FAIL 30-unbound/exit"
if [ -n "$bad" ]; then echo "selftest: FAILED${bad}"; exit 1; fi
echo "selftest: ok"
