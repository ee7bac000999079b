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
  script=$(guest_script "$n" <<'GUEST'
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest"; return 0; fi
mem_enable "$dev"
r0=$dev/resource0 r4=$dev/resource4
now_ms() { echo $(( $(uptime_cs) * 10 )); }
# ext_cap DEV ID: offset of the PCI Express extended capability with that id (walks from 0x100)
ext_cap() {
  local at=256 h k=0
  while [ "$at" -ge 256 ] && [ $k -lt 48 ]; do
    h=$(cfg_bytes "$1" "$at" 4)
    if [ "$(( 0x$(echo "$h" | cut -c3-4)$(echo "$h" | cut -c1-2) ))" = "$2" ]; then echo "$at"; return 0; fi
    at=$(( (0x$(echo "$h" | cut -c7-8)$(echo "$h" | cut -c5-6) >> 4) & 0xffc )); k=$((k + 1))
  done
}
aer=$(ext_cap "$dev" 1)
info "AER capability at $(printf '0x%x' "${aer:-0}"); UESta $(cfg_bytes "$dev" $(( ${aer:-256} + 4 )) 4)"

# ---- stall
echo "E2E PHASE stall"
slowest=0 cfgslow=0 t=$(now_ms)
while [ $(( $(now_ms) - t )) -lt 8000 ]; do
  a=$(now_ms); bar-io "$r0" rd32 0x1498 >/dev/null; b=$(now_ms)
  cfg_bytes "$dev" 0 2 >/dev/null; c=$(now_ms)
  [ $((b - a)) -gt $slowest ] && slowest=$((b - a))
  [ $((c - b)) -gt $cfgslow ] && cfgslow=$((c - b))
  sleep 0.1
done
info "stall: slowest trapped BAR0 read $slowest ms, slowest config read $cfgslow ms"
check stall-holds-bar-read test $slowest -ge 1500
check stall-answers-config test $cfgslow -lt 1500

# ---- fall-off-bus (the host recovers it after about 5 s)
echo "E2E PHASE fall-off-bus"
seen_off="" seen_back="" t=$(now_ms)
while [ $(( $(now_ms) - t )) -lt 12000 ]; do
  v=$(cfg_bytes "$dev" 0 2) r=$(bar-io "$r0" rd32 0x1498)
  if [ "$v" = ffff ] && [ -z "$seen_off" ]; then seen_off=1; info "fall-off-bus: after $(( $(now_ms) - t )) ms config vendor reads $v, BAR0 0x1498 reads $r"; fi
  if [ "$v" = de10 ] && [ -n "$seen_off" ] && [ -z "$seen_back" ]; then seen_back=1; info "fall-off-bus: after $(( $(now_ms) - t )) ms config vendor reads $v again, BAR0 0x1498 reads $r"; fi
  sleep 0.2
done
check fall-off-bus-config-all-ones test -n "$seen_off"
check fall-off-bus-config-back test -n "$seen_back"
r=$(bar-io "$r0" rd32 0x1498)
info "fall-off-bus: recovered, before a reset BAR0 0x1498 reads $r"
expect fall-off-bus-bar-needs-reset "$r" 0xffffffff
echo 1 >"$dev/reset"
r=$(bar-io "$r0" rd32 0x1498)
info "fall-off-bus: after the guest's FLR BAR0 0x1498 reads $r"
expect fall-off-bus-bar-after-reset "$r" 0x000000ff

# ---- reset-fail (the host arms it when it sees the phase; the guest waits 3 s, then resets)
echo "E2E PHASE reset-fail"
sleep 3
a=$(now_ms); echo 1 >"$dev/reset"; b=$(now_ms)
r=$(bar-io "$r0" rd32 0x1498)
info "reset-fail: FLR took $((b - a)) ms; then BAR0 0x1498 (readiness) reads $r"
expect reset-fail-not-ready "$r" 0x00000000
a=$(now_ms); v=$(bar-io "$r4" rd32 0xC0000000); b=$(now_ms)
info "reset-fail: a trapped BAR4 read (past usemem) after the reset returned $v after $((b - a)) ms"
check reset-fail-bar4-all-ones test "$v" = 0xffffffff
# the server waits out its 30 s readiness timeout for that read: touch nothing of the device meanwhile
sleep 35
echo "E2E PHASE reset-fail-recover"
sleep 3
r=$(bar-io "$r0" rd32 0x1498)
info "reset-fail: after recover BAR0 0x1498 reads $r"
expect reset-fail-ready-after-recover "$r" 0x000000ff

# ---- error: QEMU stops the VM; the guest reads AER status until it is stopped
echo "E2E PHASE error"
t=$(now_ms)
while [ $(( $(now_ms) - t )) -lt 20000 ]; do
  info "error: UESta $(cfg_bytes "$dev" $(( ${aer:-256} + 4 )) 4) DevSta $(cfg_bytes "$dev" $(( 0x60 + 10 )) 2)"
  sleep 1
done
fail error-vm-stopped "the guest was still running 20 s after the error"
GUEST
)
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
