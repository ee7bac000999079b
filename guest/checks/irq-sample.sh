# Guest side of check 50-irq-sample: INTx through uio_pci_generic, MSI-X and MSI through
# guest/irqtest, on the sample device (1234:5a31).
N=5                 # doorbells per vector
DOORBELL=0x2000 INTX_ACK=0x2004 DOORBELLS=0x2014 PBA=0x3800
# holds NAME CONDITION DETAIL: PASS if the condition (shell code, evaluated here with this script's
# functions and variables) holds, else FAIL with the detail. (Not `check NAME sh -c "[ … ] || echo …"`:
# the echo succeeds, so such a check passes whatever the condition.)
holds() { if eval "$2"; then pass "$1"; else fail "$1" "$3"; fi; }
# known NAME CONDITION DETAIL: a behaviour QEMU 11.1 does not show the guest (see the MSI-X note
# below): PASS if it ever does, else SKIP with the values seen, so the suite reports it every run
known() { if eval "$2"; then pass "$1"; else skip "$1" "QEMU 11.1 limitation: $3"; fi; }
dev=$(pci_devs 0x1234 0x5a31 | head -1)
if [ -z "$dev" ]; then fail sample-present "no 1234:5a31 function: $(ls /sys/bus/pci/devices)"; return 0 2>/dev/null || exit 0; fi
pass sample-present
res=$dev/resource0 cfg=$dev/config slot=$(basename "$dev")
id=$(bar-io $res rd32 0x2008)
holds sample-id '[ "$id" = 0x504d4153 ]' "ID register $id"

# until_ok TENTHS COMMAND...: retries the command every 50 ms or so for up to TENTHS tenths of a second
until_ok() {
  local end=$(( $(cut -d. -f1 /proc/uptime) * 10 + $1 )) now; shift
  while ! "$@" >/dev/null 2>&1; do
    now=$(cut -d' ' -f1 /proc/uptime); now=$(( ${now%.*} * 10 + $(echo ${now#*.} | cut -c1) ))
    [ $now -lt $end ] || return 1
    sleep 0.05
  done
}
# proc_irqs NAME-OR-NUMBER: the interrupts /proc/interrupts counts for the line (all CPUs)
proc_irqs() {
  awk -v k="$1" '($1 == k ":" || $NF == k) { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s; exit }' /proc/interrupts
}
stamp() { info "$1 at $(cut -d' ' -f1 /proc/uptime) s"; }   # where a slow guest spends its time
doorbells() { echo $(( $(bar-io $res rd32 $DOORBELLS) )); }
cfg16() { echo $(( $(pci-cfg $cfg rd16 $1) )); }
status_int() { echo $(( ($(cfg16 6) >> 3) & 1 )); }      # Status.Interrupt
intx_disabled() { echo $(( ($(cfg16 4) >> 10) & 1 )); }  # Command.INTx-disable
# cap_at ID: config offset of the capability with that id (empty if absent)
cap_at() {
  local at=$(( $(pci-cfg $cfg rd8 0x34) & 0xfc )) hops=0
  while [ $at -ne 0 ] && [ $hops -lt 48 ]; do
    [ $(( $(pci-cfg $cfg rd8 $at) )) -eq $1 ] && { echo $at; return 0; }
    at=$(( $(pci-cfg $cfg rd8 $((at + 1))) & 0xfc )); hops=$((hops + 1))
  done
  return 1
}

# ---------------------------------------------------------------- INTx (uio_pci_generic, E2E-7)
stamp "INTx part"
insmod /lib/jvfio/uio.ko; insmod /lib/jvfio/uio_pci_generic.ko
echo "1234 5a31" >/sys/bus/pci/drivers/uio_pci_generic/new_id
uio=$(ls "$dev/uio" 2>/dev/null | head -1)
if [ -z "$uio" ]; then
  fail intx-bound "uio_pci_generic did not bind: $(dmesg | tail -3 | tr '\n' ' ')"
else
  pass intx-bound
  line=$(cat "$dev/irq")
  events() { cat /sys/class/uio/$uio/event; }
  info "INTx: /dev/$uio, irq $line, pin $(pci-cfg $cfg rd8 0x3d)"
  st=$(status_int)
  holds intx-status-clear-at-start '[ "$st" = 0 ]' "Status.Interrupt set before any doorbell"
  ev0=$(events) p0=$(proc_irqs "$line") d0=$(doorbells)
  evall0=$ev0 pall0=$p0
  bad_wait="" bad_status="" bad_masked="" bad_ack="" last=""
  i=0
  while [ $i -lt $N ]; do
    i=$((i + 1))
    # the handler sees Status.Interrupt, sets Command.INTx-disable; the read returns the event count
    last=$(uio-wait /dev/$uio 5000 $res $DOORBELL 0) || bad_wait="$bad_wait #$i:$last"
    [ "$(status_int)" = 1 ] || bad_status="$bad_status #$i"
    [ "$(intx_disabled)" = 1 ] || bad_masked="$bad_masked #$i"
    bar-io $res wr32 $INTX_ACK 1                             # deassert: Status.Interrupt clears
    [ "$(status_int)" = 0 ] || bad_ack="$bad_ack #$i"
    pci-cfg $cfg clr16 4 0x400                               # re-arm
  done
  sleep 0.3
  ev=$(events) p=$(proc_irqs "$line") d=$(doorbells)
  holds intx-wait '[ -z "$bad_wait" ]' "no interrupt within 5 s of doorbell$bad_wait"
  holds intx-count '[ $((ev - ev0)) -eq $N ] && [ "$last" = "$ev" ]' "$N doorbells, $((ev - ev0)) uio events (last read $last, sysfs $ev)"
  holds intx-proc-interrupts '[ $((p - p0)) -eq $N ]' "$N doorbells, /proc/interrupts line $line counted $((p - p0))"
  holds intx-doorbells-register '[ $((d - d0)) -eq $N ]' "DOORBELLS advanced by $((d - d0))"
  holds intx-status-set-while-asserted '[ -z "$bad_status" ]' "Status.Interrupt clear after doorbell$bad_status"
  holds intx-handler-masked '[ -z "$bad_masked" ]' "Command.INTx-disable not set by the handler$bad_masked"
  holds intx-status-clear-after-ack '[ -z "$bad_ack" ]' "Status.Interrupt still set after INTX_ACK$bad_ack"

  # Command.INTx-disable set: a doorbell sets Status.Interrupt but interrupts nobody; clearing the
  # bit delivers the interrupt that was held.
  pci-cfg $cfg set16 4 0x400
  ev0=$(events)
  out=$(uio-wait /dev/$uio 1500 $res $DOORBELL 0)
  ev=$(events) st=$(status_int)
  holds intx-disabled-no-interrupt '[ "$out" = timeout ] && [ $ev -eq $ev0 ]' "interrupt while Command.INTx-disable set: $out, events $ev0 -> $ev"
  holds intx-disabled-status-pending '[ "$st" = 1 ]' "Status.Interrupt clear while the doorbell's INTx is held"
  uio-wait /dev/$uio 5000 >/tmp/held 2>&1 &
  waiter=$!
  sleep 0.5
  pci-cfg $cfg clr16 4 0x400
  wait $waiter; rc=$?
  ev=$(events)
  holds intx-held-delivered-on-enable '[ $rc -eq 0 ] && [ $ev -eq $((ev0 + 1)) ]' "uio-wait exit $rc ($(cat /tmp/held)), events $ev0 -> $ev"
  bar-io $res wr32 $INTX_ACK 1
  pci-cfg $cfg clr16 4 0x400
  sleep 0.3
  # every interrupt the line took was one of the device's: a device that raises INTx without
  # Status.Interrupt (VU-8.6) shows up as handler calls without events, or the kernel's "nobody cared"
  ev=$(events) p=$(proc_irqs "$line") nc=$(dmesg | grep -c "irq $line: nobody cared")
  holds intx-no-spurious '[ $((p - pall0)) -eq $((ev - evall0)) ] && [ $nc -eq 0 ]' "irq $line taken $((p - pall0)) times for $((ev - evall0)) uio events; nobody cared: $nc"
  echo "$slot" >/sys/bus/pci/drivers/uio_pci_generic/unbind
  echo "1234 5a31" >/sys/bus/pci/drivers/uio_pci_generic/remove_id
fi

# ---------------------------------------------------------------- MSI-X and MSI (guest/irqtest)
stamp "MSI-X and MSI part"
count() { cut -d' ' -f$(( $1 + 1 )) "$dev/irqtest_counts"; }
above() { [ "$(count $1)" -gt "$2" ]; }                                    # above VECTOR N
pba_bit() { [ $(( ($(bar-io $res rd32 $PBA) >> $1) & 1 )) -eq 1 ]; }        # pba_bit VECTOR: MSI-X pending
msi_pending_bit() { [ $(( $(pci-cfg $cfg rd32 $1) & 1 )) -eq 1 ]; }          # msi_pending_bit OFFSET: vector 0
# vectors_test KIND NVEC: N doorbells per vector, each waited for, then exact counts everywhere
vectors_test() {
  local kind=$1 nv=$2 v=0 i before d0 d p0 p bad all0 all want
  while [ $v -lt $nv ]; do
    all0=$(cat "$dev/irqtest_counts") d0=$(doorbells) p0=$(proc_irqs irqtest-$v) bad=""
    i=0
    while [ $i -lt $N ]; do
      i=$((i + 1)); before=$(count $v)
      bar-io $res wr32 $DOORBELL $v
      until_ok 50 above $v $before || bad="$bad #$i"
    done
    sleep 0.3
    all=$(cat "$dev/irqtest_counts") d=$(doorbells) p=$(proc_irqs irqtest-$v)
    # expected: vector v advanced by N, every other vector unchanged
    want=$(i=0; for c in $all0; do [ $i -eq $v ] && c=$((c + N)); echo -n "$c "; i=$((i + 1)); done)
    want=${want% }
    holds $kind-vector-$v '[ -z "$bad" ] && [ "$want" = "$all" ]' "$N doorbells on vector $v: counts $all0 -> $all (want $want)${bad:+, none within 5 s at$bad}"
    holds $kind-vector-$v-proc-interrupts '[ $((p - p0)) -eq $N ]' "/proc/interrupts irqtest-$v advanced by $((p - p0))"
    holds $kind-vector-$v-doorbells-register '[ $((d - d0)) -eq $N ]' "DOORBELLS advanced by $((d - d0))"
    stamp "$kind vector $v"
    v=$((v + 1))
  done
}

# MSI-X: 4 vectors; vector 2 masked in its table entry: two doorbells set its PBA bit and interrupt
# nobody, vector 1 meanwhile still works; unmasking delivers one interrupt and clears the PBA bit.
# Measured with QEMU 11.1.3: the interrupt is held and delivered once on unmask, but the PBA bit
# the guest reads stays 0: QEMU emulates the table (no mask reaches the server), takes the masked
# fire into its own PBA (trace vfio_msix_pba_enable), yet the guest's PBA reads still arrive at the
# server as REGION reads of 0x3800, and the server's PBA knows no mask. Same for MSI below, the
# other way round: the server sees the mask bits and holds the doorbell, but QEMU answers the
# Pending Bits register from its own copy. Hence msix-masked-pending and msi-masked-pending are
# reported as SKIP (known) with the values seen; the delivery side (held, then delivered once on
# unmask) is checked as usual.
insmod /lib/jvfio/irqtest.ko mode=msix nvec=4
if [ ! -e "$dev/irqtest_mode" ]; then
  fail msix-bound "irqtest did not bind: $(dmesg | tail -3 | tr '\n' ' ')"
else
  got=$(cat "$dev/irqtest_mode")
  holds msix-bound '[ "$got" = "msix 4" ]' "irqtest got $got"
  vectors_test msix "${got#* }"
  m=2
  echo $m >"$dev/irqtest_mask"
  c0=$(count $m) c1=$(count 1)
  pba0=$(( $(bar-io $res rd32 $PBA) ))
  bar-io $res wr32 $DOORBELL $m; bar-io $res wr32 $DOORBELL $m
  bar-io $res wr32 $DOORBELL 1
  # the interrupts arrive asynchronously: wait for vector 1's and for the PBA bit, then a little more
  until_ok 50 above 1 $c1
  until_ok 50 pba_bit $m
  sleep 0.3
  pba=$(( $(bar-io $res rd32 $PBA) )) cm=$(count $m) cn=$(count 1)
  holds msix-masked-no-interrupt '[ $cm -eq $c0 ]' "masked vector $m counted $((cm - c0))"
  known msix-masked-pending '[ $(( (pba0 >> m) & 1 )) -eq 0 ] && [ $(( (pba >> m) & 1 )) -eq 1 ]' "$(printf 'PBA %#x before, %#x after the doorbells' $pba0 $pba) (QEMU 11.1 holds masked MSI-X fires in its own PBA but sends the guest's PBA reads to the server: see irq.qemu.log)"
  holds msix-other-vector-unaffected '[ $cn -eq $((c1 + 1)) ]' "vector 1: $c1 -> $cn"
  echo $m >"$dev/irqtest_unmask"
  until_ok 50 above $m $c0
  sleep 0.3
  pba=$(( $(bar-io $res rd32 $PBA) )) cm=$(count $m)
  holds msix-unmask-delivers-once '[ $cm -eq $((c0 + 1)) ]' "vector $m: $c0 -> $cm after unmask"
  holds msix-pending-cleared '[ $(( (pba >> m) & 1 )) -eq 0 ]' "$(printf 'PBA %#x after unmask' $pba)"
  rmmod irqtest
fi
stamp "MSI-X done"

# MSI: x86 without interrupt remapping grants one vector; its mask bit holds a doorbell pending
# (the MSI pending bits) until cleared.
insmod /lib/jvfio/irqtest.ko mode=msi nvec=4
if [ ! -e "$dev/irqtest_mode" ]; then
  fail msi-bound "irqtest did not bind: $(dmesg | tail -3 | tr '\n' ' ')"
else
  got=$(cat "$dev/irqtest_mode")
  holds msi-bound '[ "${got% *}" = msi ]' "irqtest got $got"
  info "MSI: ${got#* } vector(s) granted"
  vectors_test msi "${got#* }"
  msi=$(cap_at 5)
  ctl=$(cfg16 $((msi + 2)))
  maskreg=$(( msi + ((ctl & 0x80) ? 0x10 : 0x0c) ))
  holds msi-per-vector-masking '[ $((ctl & 0x100)) -ne 0 ]' "$(printf 'MSI control %#x' $ctl)"
  c0=$(count 0)
  echo 0 >"$dev/irqtest_mask"
  mask=$(( $(pci-cfg $cfg rd32 $maskreg) )) pend0=$(( $(pci-cfg $cfg rd32 $((maskreg + 4))) ))
  bar-io $res wr32 $DOORBELL 0; bar-io $res wr32 $DOORBELL 0
  until_ok 50 msi_pending_bit $((maskreg + 4))
  sleep 0.3
  pend=$(( $(pci-cfg $cfg rd32 $((maskreg + 4))) )) cm=$(count 0)
  holds msi-mask-bit-set '[ $((mask & 1)) -eq 1 ]' "$(printf 'mask bits %#x' $mask)"
  holds msi-masked-no-interrupt '[ $cm -eq $c0 ]' "masked vector 0 counted $((cm - c0))"
  known msi-masked-pending '[ $((pend0 & 1)) -eq 0 ] && [ $((pend & 1)) -eq 1 ]' "$(printf 'pending bits %#x before, %#x after the doorbells' $pend0 $pend) (the server holds the masked MSI, QEMU 11.1 answers Pending Bits reads from its own config copy)"
  echo 0 >"$dev/irqtest_unmask"
  until_ok 50 above 0 $c0
  sleep 0.3
  pend=$(( $(pci-cfg $cfg rd32 $((maskreg + 4))) )) cm=$(count 0)
  holds msi-unmask-delivers-once '[ $cm -eq $((c0 + 1)) ]' "vector 0: $c0 -> $cm after unmask"
  holds msi-pending-cleared '[ $((pend & 1)) -eq 0 ]' "$(printf 'pending bits %#x after unmask' $pend)"
  rmmod irqtest
fi
stamp "done"
