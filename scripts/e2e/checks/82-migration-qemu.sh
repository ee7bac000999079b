# Migration under QEMU (VU-9.3, VU-10): what QEMU 11.1 does when asked to live-migrate a VM with a
# vfio-user GPU. Two servers (source and destination device, each with its own memory). The source
# guest enables memory, programs a trapped BAR0 register (copy engine SRC_LO, no doorbell), fills
# 1 MiB of BAR4 (mapped) and prints their values and the SHA-256, then asks for the migration and
# keeps printing what it sees for 40 s. The host starts the destination QEMU with -incoming,
# runs QMP migrate on the source, polls query-migrate, quits the source, and records as INFO lines:
# the migration's outcome and numbers, QEMU's stderr, what both servers logged, and what the guest
# sees on the destination. Checked: QEMU migrates without error or blocker (it does not refuse),
# sends no DEVICE_FEATURE or MIG_DATA to either server (no migration client), the destination
# QEMU resets its device when it connects, and the device state is lost on the destination. A
# QEMU that starts migrating vfio-user devices (or blocks it) fails these checks: update VU-9.3,
# docs/migration.md and docs/troubleshooting.md then.
n=migqemu
mig_len=1048576 # decimal: bar-io takes decimal or 0x hex
mig_seed=0x8282
mig_src_reg=0x12345000
mig_wait=${E2E_MIGRATION_WAIT:-120} # seconds the host gives query-migrate to reach an end state

mig_run() {
  local script src_qmp=$WORK/$n-src.qmp dst_qmp=$WORK/$n-dst.qmp incoming=$WORK/$n.incoming out status i
  script=$(guest_script "$n" migration-qemu mig_src_reg="$mig_src_reg" mig_len="$mig_len" mig_seed="$mig_seed")
  qemu_args --socket "$WORK/$n-src.sock" --mem-size 4G --ram 1G --cpus 2 || { fail "$n/qemu-args" "failed"; return 1; }
  rm -f "$src_qmp" "$dst_qmp" "$incoming"
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} E2E_END_OPTIONAL=1 guest_run_bg "$n-src" "$script" -qmp "unix:$src_qmp,server=on,wait=off"
  if ! console_wait "$n-src" "E2E MIGRATE NOW" "${E2E_TIMEOUT:-300}"; then
    qmp "$src_qmp" '{"execute":"quit"}' >/dev/null 2>&1
    guest_wait; fail "$n/guest-ready" "the source guest never asked for the migration"; return 1
  fi
  # the destination: the same machine, its own device (one client per device), waiting for the stream
  qemu_args --socket "$WORK/$n-dst.sock" --mem-size 4G --ram 1G --cpus 2 || { fail "$n/qemu-args-dst" "failed"; return 1; }
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} E2E_END_OPTIONAL=1 guest_run_bg "$n-dst" "$script" \
    -qmp "unix:$dst_qmp,server=on,wait=off" -incoming "unix:$incoming"
  for i in $(seq 300); do [ -S "$incoming" ] && break; sleep 0.2; done
  if [ ! -S "$incoming" ]; then
    qmp "$src_qmp" '{"execute":"quit"}' >/dev/null 2>&1; qmp "$dst_qmp" '{"execute":"quit"}' >/dev/null 2>&1
    guest_wait; fail "$n/destination-listening" "the destination QEMU never listened on $incoming"; return 1
  fi
  note "$n: destination QEMU waiting for the stream; destination server: $(grep -cE 'connected|reset' "$WORK/$n-dst.serve.log") connect/reset lines"
  out=$(qmp "$src_qmp" '{"execute":"migrate","arguments":{"uri":"unix:'"$incoming"'"}}' 2>&1)
  note "$n: QMP migrate: $out"
  status=""
  for i in $(seq $(( mig_wait * 2 ))); do
    out=$(qmp "$src_qmp" '{"execute":"query-migrate"}' 2>&1)
    status=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("status",""))' "$out" 2>/dev/null)
    case "$status" in completed|failed|cancelled) break ;; esac
    sleep 0.5
  done
  echo "$out" >"$WORK/$n.query-migrate.json"
  note "$n: query-migrate after $(( i / 2 )) s: $(python3 -c '
import json, sys
m = json.loads(sys.argv[1])
ram = m.get("ram", {})
keep = {k: m[k] for k in ("status", "total-time", "downtime", "setup-time", "error-desc") if k in m}
keep["ram-transferred"] = ram.get("transferred")
keep.update({k: v for k, v in m.items() if k.startswith("vfio")})
print(json.dumps(keep))' "$out" 2>/dev/null || echo "$out")"
  note "$n: source QMP query-status: $(qmp "$src_qmp" '{"execute":"query-status"}' 2>&1)"
  note "$n: destination QMP query-status: $(qmp "$dst_qmp" '{"execute":"query-status"}' 2>&1)"
  if [ "$status" = completed ]; then pass "$n/qemu-migrates-without-error-or-blocker"
  else fail "$n/qemu-migrates-without-error-or-blocker" "migration ended '$status': $(cut -c1-300 "$WORK/$n.query-migrate.json")"; fi
  # the source has handed over; quit it (its QEMU stays paused in postmigrate otherwise)
  qmp "$src_qmp" '{"execute":"quit"}' >/dev/null 2>&1 || note "$n: the source QEMU had already gone"
  [ "$status" = completed ] || qmp "$dst_qmp" '{"execute":"quit"}' >/dev/null 2>&1
  guest_wait
  note "$n: source QEMU exit $(cat "$WORK/$n-src.qemu-rc" 2>/dev/null), destination QEMU exit $(cat "$WORK/$n-dst.qemu-rc" 2>/dev/null), destination guest reached E2E END: $(grep -aq '^E2E END' "$WORK/$n-dst.console" && echo yes || echo no)"
  local log
  for log in src dst; do
    note "$n: QEMU ($log) stderr, $(wc -l <"$WORK/$n-$log.qemu.log") lines: $(sed -E 's/0x[0-9a-f]+/0x.../g' "$WORK/$n-$log.qemu.log" | sort | uniq -c | sort -rn | head -5 | tr '\n' ' ')"
    sed -E 's/^[0-9T:.Z-]+ //' "$WORK/$n-$log.serve.log" | grep -vE '^jvfio: ' | sed "s/^/  $n: serve ($log): /"
  done
  # QEMU 11.1 has no vfio-user migration client: neither server hears DEVICE_FEATURE or MIG_DATA
  if grep -qE 'DEVICE_FEATURE|MIG_DATA|migration state' "$WORK/$n-src.serve.log" "$WORK/$n-dst.serve.log"; then
    fail "$n/qemu-sends-no-migration-messages" "$(grep -hE 'DEVICE_FEATURE|MIG_DATA|migration state' "$WORK/$n-src.serve.log" "$WORK/$n-dst.serve.log" | head -3 | tr '\n' ' ')"
  else
    pass "$n/qemu-sends-no-migration-messages"
  fi
  check "$n/destination-resets-its-device-at-connect" grep -q 'device reset by the client' "$WORK/$n-dst.serve.log"
  # what the guest sees after the switch (its lines after the migration are on the destination's console)
  local before after src_before src_after
  before=$(guest_info "$n-src" "before-sha256 ") after=$(guest_info "$n-dst" "after-sha256 ")
  src_before=$(guest_info "$n-src" "before-src-lo ") src_after=$(guest_info "$n-dst" "after-src-lo ")
  note "$n: guest BAR4 SHA-256 before ${before:-?}, after ${after:-?}; BAR0 SRC_LO before ${src_before:-?}, after ${src_after:-?}; command after $(guest_info "$n-dst" "after-command ")"
  grep -a '^E2E INFO t+' "$WORK/$n-dst.console" 2>/dev/null | head -2 | tr -d '\r' | sed "s/^E2E INFO /  $n: destination guest /"
  if [ -z "$after" ] || [ -z "$src_after" ]; then
    fail "$n/device-state-lost-on-destination" "the destination guest printed no 'after' lines"
  elif [ "$after" != "$before" ] && [ "$src_after" != "$src_before" ]; then
    pass "$n/device-state-lost-on-destination"
  else
    fail "$n/device-state-lost-on-destination" "the device state survived: BAR4 ${after} (was ${before}), SRC_LO ${src_after} (was ${src_before})"
  fi
}

if serve_start "$n-src" --mem-size 4G --backing-file "$WORK/$n-src.mem" \
    && serve_start "$n-dst" --mem-size 4G --backing-file "$WORK/$n-dst.mem"; then
  mig_run
  serve_stop "$n-src"; serve_stop "$n-dst"
else
  fail "$n/serve" "jvfio serve did not start: $(tail -2 "$WORK/$n-src.serve.log" "$WORK/$n-dst.serve.log" 2>/dev/null | tr '\n' ' ')"
fi
