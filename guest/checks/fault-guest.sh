# Guest side of scripts/e2e/checks/89-fault.sh.
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
