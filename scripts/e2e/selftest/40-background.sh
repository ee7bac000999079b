# A result from a background subshell (as guest_run_bg gives) is counted once, through the tally.
( pass "background/from-subshell" ) >"$WORK/background.results" 2>&1 </dev/null &
E2E_BG+=("$!:background")
guest_wait
