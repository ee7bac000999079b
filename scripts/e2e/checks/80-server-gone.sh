# Server gone: `jvfio serve --backing-file F` is killed while a guest runs. The guest writes a
# pattern into BAR4 (mapped: the bytes go straight into the shared backing file), prints its
# SHA-256 and a marker; the host then kills serve and records what QEMU and the guest do (QEMU's
# messages, its exit code, the guest's view of trapped BAR0 and mapped BAR4 reads afterwards) as
# INFO lines; nothing may outlive the guest timeout. A serve restarted on the same backing file (and
# socket path) still holds the guest's bytes: jvfio peek --sha256 equals the guest's SHA-256.
# Two rounds: SIGKILL (the server vanishes), then SIGTERM (it shuts down cleanly) with a guest that
# first checks, in the guest, the pattern of round one after the restart.
n=gone
gone_mem=$WORK/$n.mem
gone_len=1048576 # decimal: peek --count takes a size (1048576, 1M), not 0x hex
gone_wait=${E2E_GONE_WAIT:-30} # seconds the host gives QEMU to end by itself after the kill

# gone_round ROUND SIGNAL SEED [PREVIOUS_SEED]: one guest against the running serve, serve killed
gone_round() {
  local r=$1 sig=$2 seed=$3 prev=${4:-} g=$n-$1 pid sub waited
  qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2 || { fail "$g/qemu-args" "failed"; return 1; }
  script=$(guest_script "$g" server-gone gone_len="$gone_len" seed="$seed" prev="$prev")
  E2E_TIMEOUT=${E2E_TIMEOUT:-180} E2E_END_OPTIONAL=1 guest_run_bg "$g" "$script"
  sub=${E2E_BG[-1]%%:*}
  if ! console_wait "$g" "E2E KILL SERVER NOW" "${E2E_TIMEOUT:-180}"; then
    guest_wait; fail "$g/guest-ready" "the guest never asked for the kill"; return 1
  fi
  pid=${E2E_SERVE[$n]}
  kill "-$sig" "$pid"; wait "$pid" 2>/dev/null; local src=$?
  note "$g: serve (pid $pid) got SIG$sig, exit status $src; its last lines: $(tail -2 "$WORK/$n.serve.log" | tr '\n' ' ')"
  # QEMU gets gone_wait seconds to end by itself; then the host ends it (its timeout process, by pid)
  waited=0
  while kill -0 "$sub" 2>/dev/null && [ "$waited" -lt "$gone_wait" ]; do sleep 1; waited=$((waited + 1)); done
  if kill -0 "$sub" 2>/dev/null; then
    note "$g: QEMU still running $gone_wait s after the server died; the host stops it"
    for pid in $(ps -o pid= --ppid "$sub"); do kill -TERM "$pid" 2>/dev/null; done
  else
    note "$g: QEMU ended $waited s after the server's death, without the host stopping it"
  fi
  guest_wait
  if grep -aq '^E2E END' "$WORK/$g.console"; then
    note "$g: QEMU kept running without its server: the guest went on to its end and powered off"
  fi
  note "$g: QEMU exit code $(cat "$WORK/$g.qemu-rc" 2>/dev/null); guest reached E2E END: $(grep -aq '^E2E END' "$WORK/$g.console" && echo yes || echo no)"
  # QEMU's messages, each kind once with its count (offsets folded): a line per guest access
  note "$g: QEMU's stderr, $(wc -l <"$WORK/$g.qemu.log") lines, the first: $(head -1 "$WORK/$g.qemu.log")"
  sed -E 's/0x[0-9a-f]+/0x.../g' "$WORK/$g.qemu.log" | sort | uniq -c | sort -rn | sed -E 's/^ *([0-9]+) /  '"$g"': qemu: \1x /'
  check "$g/behaviour-recorded" test -s "$WORK/$g.qemu-rc"
  # the restart on the same socket path and backing file
  serve_start "$n" --mem-size 4G --backing-file "$gone_mem" || { fail "$g/restart" "jvfio serve did not restart on $gone_mem: $(tail -2 "$WORK/$n.serve.log")"; return 1; }
  pass "$g/restart"
  local want got
  want=$(guest_info "$g" "sha256 ")
  got=$("$JVFIO" peek --socket "$WORK/$n.sock" --region 4 --offset 0 --count $gone_len --sha256 2>&1 | tr '\n' ' ' | sed 's/ *$//')
  if [ -n "$want" ] && [ "$got" = "$want" ]; then pass "$g/bytes-survive-restart"
  else fail "$g/bytes-survive-restart" "guest ${want:-(no sha256)}, host peek $got"; fi
}

if serve_start "$n" --mem-size 4G --backing-file "$gone_mem"; then
  gone_round kill KILL 0x8080 && gone_round term TERM 0x8181 0x8080
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
