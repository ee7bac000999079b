# Fault injection (docs/faults.md) into a running guest's GPU through `jvfio ctl inject`, one fault
# after the other, each announced by the guest on its console ("E2E PHASE name") and injected by the
# host when it sees it:
#   stall 2000 ms   the guest times trapped BAR0 reads: one takes about 2 s, config reads do not wait
#   fall-off-bus    config reads all ones (vendor ffff), BAR0 all ones; after `ctl recover` config
#                   space is back but BAR0 still reads all ones until the guest resets the GPU (FLR)
#   reset-fail      the next reset (the guest's FLR) never completes: the readiness registers stay 0,
#                   a trapped BAR4 access waits for readiness (NV-7) and QEMU gives up on it after its
#                   5 s message timeout (all ones); after `ctl recover` the registers read ready
#   error           AER uncorrectable error and the ERR interrupt: QEMU's vfio-pci stops the VM
#                   ("Unrecoverable error detected"); QMP query-status says internal-error
# Every guest and QEMU line that shows it is recorded as INFO/notes.
n=fault
fq=$WORK/$n.qmp fc=$WORK/$n.ctl
if serve_start "$n" --mem-size 4G --control "$fc" --detach-timeout 0 \
    && qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2 --qmp "$fq"; then
  script=$(guest_script "$n" fault-guest)
  rm -f "$fq"
  E2E_TIMEOUT=${E2E_TIMEOUT:-420} E2E_END_OPTIONAL=1 guest_run_bg "$n" "$script"
  sub=${E2E_BG[-1]%%:*}
  fctl() { "$JVFIO" ctl --control "$fc" "$@" 2>&1; }
  phase() { console_wait "$n" "E2E PHASE $1" 240 || { fail "$n/phase-$1" "the guest did not reach it: $(tail -c 300 "$WORK/$n.console" | tr '\n' ' ')"; return 1; }; }
  if phase stall; then
    note "$n: ctl inject gpu0 stall --for 2000: $(fctl inject gpu0 stall --for 2000)"
  fi
  if phase fall-off-bus; then
    note "$n: ctl inject gpu0 fall-off-bus: $(fctl inject gpu0 fall-off-bus)"
    sleep 5
    note "$n: ctl recover gpu0: $(fctl recover gpu0)"
  fi
  if phase reset-fail; then
    note "$n: ctl inject gpu0 reset-fail: $(fctl inject gpu0 reset-fail)"
    fctl status | grep -E 'health|resets' | sed "s/^/  $n: ctl status: /"
  fi
  if phase reset-fail-recover; then
    fctl status | grep -E 'health|resets' | sed "s/^/  $n: ctl status before recover: /"
    note "$n: ctl recover gpu0: $(fctl recover gpu0)"
  fi
  if phase error; then
    sleep 2
    note "$n: ctl inject gpu0 error: $(fctl inject gpu0 error)"
    st="" i=0
    while [ $i -lt 60 ]; do
      st=$(qmp "$fq" '{"execute":"query-status"}' 2>&1)
      case "$st" in *'"running": true'*|*'"running":true'*) sleep 0.5; i=$((i + 1)) ;; *) break ;; esac
    done
    note "$n: QMP query-status after the error: $st"
    case "$st" in *internal-error*) pass "$n/error-vm-stopped-internal-error" ;; *) fail "$n/error-vm-stopped-internal-error" "query-status: $st" ;; esac
    note "$n: QMP quit: $(qmp "$fq" '{"execute":"quit"}' 2>&1)"
  fi
  guest_wait
  note "$n: QEMU's stderr ($(wc -l <"$WORK/$n.qemu.log") lines), each kind once with its count:"
  sed -E 's/0x[0-9a-f]+/0x.../g' "$WORK/$n.qemu.log" | sort | uniq -c | sort -rn | head -12 | sed "s/^/  $n: qemu: /"
  grep -q 'Unrecoverable error detected' "$WORK/$n.qemu.log" && pass "$n/qemu-unrecoverable-error-message" \
    || fail "$n/qemu-unrecoverable-error-message" "not in QEMU's stderr"
  grep -E 'fault|recover|reset|ERR' "$WORK/$n.serve.log" | head -20 | sed "s/^/  $n: serve: /"
  serve_stop "$n"
else
  fail "$n/setup" "serve or qemu-args failed: $(tail -2 "$WORK/$n.serve.log" 2>/dev/null)"
fi
