# Leaves everything a check could leak behind, then exits with a failure status: a variable, a
# function, a trap, a working directory, a shell option and a running process of E2E_PIDS.
leaked_var=1
leaked_fn() { :; }
trap 'echo "the USR1 trap of 10-leaks"' USR1
cd /
set +o pipefail
sleep 300 </dev/null >/dev/null 2>&1 &
E2E_PIDS+=("$!")
echo "$!" >"$WORK/leaks.pid"
pass "leaks/left-behind"
exit 3
pass "leaks/after-exit"
