# Guest side of check 55-dma-engine on the sample device: round trips polling and with INTx
# through uio_pci_generic, then dma-errors.sh. From the host: as dma-gpu.sh.
check memmap-reserved grep -qi "^ *$(printf '%x' $RESV)-.* : reserved" /proc/iomem
dev=$(pci_devs 0x1234 0x5a31 | head -1)
[ -n "$dev" ] || { fail sample-present "no sample device"; return 0; }
res=$dev/resource0 cfg=$dev/config
insmod /lib/jvfio/uio.ko; insmod /lib/jvfio/uio_pci_generic.ko
echo "1234 5a31" >/sys/bus/pci/drivers/uio_pci_generic/new_id
uio=$(ls $dev/uio 2>/dev/null | head -1)
[ -n "$uio" ] || fail uio-bound "uio_pci_generic did not bind"
line=$(cat $dev/irq)
irqs() { awk -v k="$line:" '$1 == k { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts; }
ev0=$(cat /sys/class/uio/$uio/event) p0=$(irqs)
t=0
for size in 4096 8192; do
  for wait in poll uio,/dev/$uio,$cfg; do
    w=${wait%%,*}; t=$((t + 1))
    pci-cfg $cfg set16 4 6                   # uio_pci_generic's release() cleared Bus Master
    out=$(dma-copy roundtrip $res 0x2100 $A $B $size 0 $t $wait $res 2>&1)
    rc=$?
    echo "$out" | while read -r l; do info "roundtrip $size $w: $l"; done
    if [ $rc -eq 0 ]; then pass "roundtrip-$size-$w"; else fail "roundtrip-$size-$w" "$(echo "$out" | tr '\n' ' ')"; fi
  done
done
ev=$(cat /sys/class/uio/$uio/event) p=$(irqs)
info "INTx: uio events $ev0 -> $ev, /proc/interrupts line $line $p0 -> $p"
expect intx-one-per-copy "$((ev - ev0)) $((p - p0))" "4 4"
pci-cfg $cfg set16 4 6
# device memory is 8 KiB: 1 MiB does not fit (0x83, nothing moved)
out=$(dma-copy copy $res 0x2100 $A 0 $((1 << 20)) 2 poll)
info "too-long: $out"
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
expect device-range "$(field "$out" status)" "0x83"
ENGINE=0x2100 DEVRES=$dev/resource0 DEVOFF=4096
. /lib/jvfio/checks/dma-errors.sh
pf=$(dma-copy copy $res 0x2100 $A 0 4096 2 poll)
info "final: $pf"
# 4 round trips + 1 = 10 copies, + the line above; 5 errors (0x83, 2 x 0x82, 2 x 0x81)
expect counters "$(field "$pf" done) $(field "$pf" errors)" "11 5"
