# The copy engine (docs/dma-engine.md, issue 11) driven from inside a guest: device-initiated DMA
# into and out of real guest RAM, as QEMU's vfio-user-pci maps it to the server (DMA_MAP with the
# memfd of memory-backend-memfd,share=on).
#
# Guest buffers: the kernel argument memmap=160M$0x10000000 takes 256 MiB..416 MiB of node 0's RAM
# out of the kernel's hands ("Reserved" in /proc/iomem, not System RAM, and not marked busy), so
# CONFIG_STRICT_DEVMEM / IO_STRICT_DEVMEM let /dev/mem map it; with no vIOMMU its bus address is its
# physical address. guest/helpers/dma-copy fills buffer A there, has the engine copy A into device
# memory and back into buffer B, compares B (memory speed) and the device memory through an
# mmap-able resource file, and prints each copy's STATUS/DONE/ERRORS and time.
#
# GPU (gh200, 4 GiB: usemem 3 GiB in BAR4): 4 KiB, 1 MiB and 64 MiB round trips polling STATUS and
# with the completion interrupt on MSI-X vector 0, counted by guest/irqtest (ids=gpu), which also
# turns memory decode and Bus Master on; device memory checked through BAR4's mapping.
# Sample device (its 8 KiB RAM at BAR0 0): 4 KiB round trips polling and with INTx through
# uio_pci_generic (E2E-7: the helper blocks in /dev/uioN, writes STATUS to deassert, re-arms
# Command.INTx-disable); device RAM checked through resource0 (trapped: 512 reads).
# Both: Bus Master off gives 0x82 and neither side's bytes change; a bus address beyond guest RAM
# (0x7f0000000000) gives 0x81 with FAULT = that address, as source and as destination; DONE and
# ERRORS count exactly the copies made.
RESV=$((0x10000000)) RESV_SIZE=160M
A=$RESV B=$((RESV + (64 << 20))) C=$((RESV + (128 << 20)))   # A, B: 64 MiB each; C: 32 MiB spare
BAD=0x7f0000000000

# the guest-side part both devices share: Bus Master off, bad bus address, counters
common_guest() { # ENGINE DEVRES DEVOFF
  cat <<GUEST
ENGINE=$1 DEVRES=\$dev/$2 DEVOFF=$3 A=$A B=$B C=$C BAD=$BAD
field() { echo "\$1" | tr ' ' '\n' | sed -n "s/^\$2=//p"; }
# Bus Master off: 0x82 at the doorbell, no memory touched in either direction
dma-copy fill \$C 4096 51; bar-io \$DEVRES fill \$DEVOFF 4096 52; dma-copy fill \$A 4096 53
pci-cfg \$cfg clr16 4 4
out1=\$(dma-copy copy \$res \$ENGINE \$C \$DEVOFF 4096 2 poll)
out2=\$(dma-copy copy \$res \$ENGINE \$DEVOFF \$A 4096 1 poll)
pci-cfg \$cfg set16 4 4
info "bus-master-off: \$out1"
info "bus-master-off: \$out2"
expect bus-master-off-to-device "\$(field "\$out1" status) \$(field "\$out1" fault)" "0x82 0x0"
expect bus-master-off-to-guest "\$(field "\$out2" status) \$(field "\$out2" fault)" "0x82 0x0"
check bus-master-off-device-untouched bar-io \$DEVRES check \$DEVOFF 4096 52
check bus-master-off-guest-untouched dma-copy check \$A 4096 53
# a bus address no DMA window covers: 0x81, FAULT = that address
out1=\$(dma-copy copy \$res \$ENGINE \$BAD \$DEVOFF 4096 2 poll)
out2=\$(dma-copy copy \$res \$ENGINE \$DEVOFF \$BAD 4096 1 poll)
info "bad-address: \$out1"
info "bad-address: \$out2"
expect bad-address-source "\$(field "\$out1" status) \$(field "\$out1" fault)" "0x81 \$BAD"
expect bad-address-destination "\$(field "\$out2" status) \$(field "\$out2" fault)" "0x81 \$BAD"
check bad-address-device-untouched bar-io \$DEVRES check \$DEVOFF 4096 52
# the engine still works after the errors
check after-errors-roundtrip dma-copy roundtrip \$res \$ENGINE \$A \$B 4096 \$DEVOFF 54 poll \$DEVRES
GUEST
}

# ------------------------------------------------------------------------------------------ GPU
n=dma-gpu
if serve_start "$n" --mem-size 4G && qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2; then
  script=$(guest_script "$n" <<GUEST
resv=\$(grep -i "^ *$(printf '%x' $RESV)-$(printf '%x' $((RESV + (160 << 20) - 1))) : reserved" /proc/iomem)
info "iomem: \$resv"
check memmap-reserved test -n "\$resv"
dev=\$(pci_devs 0x10de 0x2342 | head -1)
[ -n "\$dev" ] || { fail gpu-present "no GPU"; return 0; }
res=\$dev/resource0 cfg=\$dev/config
# irqtest: MSI-X vectors, memory decode and Bus Master (pci_set_master)
insmod /lib/jvfio/irqtest.ko ids=gpu mode=msix nvec=9
got=\$(cat \$dev/irqtest_mode 2>/dev/null)
expect irqtest-bound "\$got" "msix 9"
counts0=\$(cat \$dev/irqtest_counts)
t=0
for size in 4096 $((1 << 20)) $((64 << 20)); do
  for wait in poll count,\$dev/irqtest_counts,0; do
    w=\${wait%%,*}; t=\$((t + 1))
    out=\$(dma-copy roundtrip \$res 0x100000 $A $B \$size \$((t << 26)) \$t \$wait \$dev/resource4 2>&1)
    rc=\$?
    echo "\$out" | while read -r l; do info "roundtrip \$size \$w: \$l"; done
    if [ \$rc -eq 0 ]; then pass "roundtrip-\$size-\$w"; else fail "roundtrip-\$size-\$w" "\$(echo "\$out" | tr '\n' ' ')"; fi
  done
done
# timing only: 64 MiB again into the usemem slice just written (pages present) and into one never
# touched (7 << 26), to tell the first touch of device memory from the copy itself
info "retouch: \$(dma-copy copy \$res 0x100000 $A \$((6 << 26)) $((64 << 20)) 2 poll)"
info "fresh: \$(dma-copy copy \$res 0x100000 $A \$((7 << 26)) $((64 << 20)) 2 poll)"
# the 64 MiB interrupt round trip (t=6) left its bytes at usemem 6 << 26: the host reads them after the VM
info "sha usemem \$(bar-io \$dev/resource4 dump $((6 << 26)) $((64 << 20)) | sha256sum | cut -d' ' -f1)"
counts=\$(cat \$dev/irqtest_counts)
info "MSI-X counts \$counts0 -> \$counts"
# vector 0: one interrupt per interrupt-mode copy (3 sizes x 2 directions), no other vector touched
want=\$(echo "\$counts0" | awk '{ \$1 += 6; print }')
expect msix-one-per-copy "\$counts" "\$want"
$(common_guest 0x100000 resource4 $((16 << 20)))
pf=\$(dma-copy copy \$res 0x100000 $A 0 4096 2 poll)
info "final: \$pf"
# 6 round trips + 2 timing copies + 1 round trip after the errors = 16 copies, + the line above; 4 errors
expect counters "\$(field "\$pf" done) \$(field "\$pf" errors)" "17 4"
GUEST
)
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} GUEST_APPEND="memmap=$RESV_SIZE\$$(printf '0x%x' $RESV)" guest_run "$n" "$script"
  # QEMU has exited; the device memory the engine wrote outlives it: same SHA-256 from the host
  g=$(guest_info "$n" "sha usemem ")
  h=$("$JVFIO" peek --socket "$WORK/$n.sock" --region 4 --offset $((6 << 26)) --count 64M --sha256 2>&1)
  note "$n: usemem 64 MiB sha256 guest $g, host $h"
  check "$n/host-sees-engine-bytes" test -n "$g" -a "$g" = "$h"
else
  fail "$n/setup" "serve or qemu-args failed"
fi
serve_stop "$n"

# ------------------------------------------------------------------------------------ sample
n=dma-sample
if serve_start "$n" --profile sample && qemu_args --profile sample --socket "$WORK/$n.sock" --ram 1G --cpus 2; then
  script=$(guest_script "$n" <<GUEST
check memmap-reserved grep -qi "^ *$(printf '%x' $RESV)-.* : reserved" /proc/iomem
dev=\$(pci_devs 0x1234 0x5a31 | head -1)
[ -n "\$dev" ] || { fail sample-present "no sample device"; return 0; }
res=\$dev/resource0 cfg=\$dev/config
insmod /lib/jvfio/uio.ko; insmod /lib/jvfio/uio_pci_generic.ko
echo "1234 5a31" >/sys/bus/pci/drivers/uio_pci_generic/new_id
uio=\$(ls \$dev/uio 2>/dev/null | head -1)
[ -n "\$uio" ] || fail uio-bound "uio_pci_generic did not bind"
line=\$(cat \$dev/irq)
irqs() { awk -v k="\$line:" '\$1 == k { s = 0; for (i = 2; i <= NF && \$i ~ /^[0-9]+\$/; i++) s += \$i; print s }' /proc/interrupts; }
ev0=\$(cat /sys/class/uio/\$uio/event) p0=\$(irqs)
t=0
for size in 4096 8192; do
  for wait in poll uio,/dev/\$uio,\$cfg; do
    w=\${wait%%,*}; t=\$((t + 1))
    pci-cfg \$cfg set16 4 6                   # uio_pci_generic's release() cleared Bus Master
    out=\$(dma-copy roundtrip \$res 0x2100 $A $B \$size 0 \$t \$wait \$res 2>&1)
    rc=\$?
    echo "\$out" | while read -r l; do info "roundtrip \$size \$w: \$l"; done
    if [ \$rc -eq 0 ]; then pass "roundtrip-\$size-\$w"; else fail "roundtrip-\$size-\$w" "\$(echo "\$out" | tr '\n' ' ')"; fi
  done
done
ev=\$(cat /sys/class/uio/\$uio/event) p=\$(irqs)
info "INTx: uio events \$ev0 -> \$ev, /proc/interrupts line \$line \$p0 -> \$p"
expect intx-one-per-copy "\$((ev - ev0)) \$((p - p0))" "4 4"
pci-cfg \$cfg set16 4 6
# device memory is 8 KiB: 1 MiB does not fit (0x83, nothing moved)
out=\$(dma-copy copy \$res 0x2100 $A 0 $((1 << 20)) 2 poll)
info "too-long: \$out"
field() { echo "\$1" | tr ' ' '\n' | sed -n "s/^\$2=//p"; }
expect device-range "\$(field "\$out" status)" "0x83"
$(common_guest 0x2100 resource0 4096)
pf=\$(dma-copy copy \$res 0x2100 $A 0 4096 2 poll)
info "final: \$pf"
# 4 round trips + 1 = 10 copies, + the line above; 5 errors (0x83, 2 x 0x82, 2 x 0x81)
expect counters "\$(field "\$pf" done) \$(field "\$pf" errors)" "11 5"
GUEST
)
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} GUEST_APPEND="memmap=$RESV_SIZE\$$(printf '0x%x' $RESV)" guest_run "$n" "$script"
else
  fail "$n/setup" "serve or qemu-args failed"
fi
serve_stop "$n"
