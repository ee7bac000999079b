# Finds nothing of 10-leaks: its exit ended only itself, and its process was stopped.
check isolated/no-variable test -z "${leaked_var:-}"
check isolated/no-function test -z "$(declare -F leaked_fn)"
check isolated/no-trap test -z "$(trap -p USR1)"
check isolated/same-directory test "$PWD" = "$E2E_SELFTEST_CWD"
check isolated/same-options test -o pipefail
check isolated/process-stopped sh -c "! kill -0 $(cat "$WORK/leaks.pid") 2>/dev/null"
skip "isolated/skip-counted" "a skip, counted like the rest"
