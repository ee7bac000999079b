# Guest side of check 55-dma-engine on the GPU: round trips guest -> usemem -> guest polling and
# with the MSI-X completion, then dma-errors.sh. From the host: RESV and RESV_BYTES (the memmap=
# reservation), A, B, C (buffers in it), BAD (a bus address beyond guest RAM).
resv=$(grep -i "^ *$(printf '%x' $RESV)-$(printf '%x' $((RESV + RESV_BYTES - 1))) : reserved" /proc/iomem)
info "iomem: $resv"
check memmap-reserved test -n "$resv"
dev=$(pci_devs 0x10de 0x2342 | head -1)
[ -n "$dev" ] || { fail gpu-present "no GPU"; return 0; }
res=$dev/resource0 cfg=$dev/config
# irqtest: MSI-X vectors, memory decode and Bus Master (pci_set_master)
insmod /lib/jvfio/irqtest.ko ids=gpu mode=msix nvec=9
got=$(cat $dev/irqtest_mode 2>/dev/null)
expect irqtest-bound "$got" "msix 9"
counts0=$(cat $dev/irqtest_counts)
t=0
for size in 4096 $((1 << 20)) $((64 << 20)); do
  for wait in poll count,$dev/irqtest_counts,0; do
    w=${wait%%,*}; t=$((t + 1))
    out=$(dma-copy roundtrip $res 0x100000 $A $B $size $((t << 26)) $t $wait $dev/resource4 2>&1)
    rc=$?
    echo "$out" | while read -r l; do info "roundtrip $size $w: $l"; done
    if [ $rc -eq 0 ]; then pass "roundtrip-$size-$w"; else fail "roundtrip-$size-$w" "$(echo "$out" | tr '\n' ' ')"; fi
  done
done
# timing only: 64 MiB again into the usemem slice just written (pages present) and into one never
# touched (7 << 26), to tell the first touch of device memory from the copy itself
info "retouch: $(dma-copy copy $res 0x100000 $A $((6 << 26)) $((64 << 20)) 2 poll)"
info "fresh: $(dma-copy copy $res 0x100000 $A $((7 << 26)) $((64 << 20)) 2 poll)"
# the 64 MiB interrupt round trip (t=6) left its bytes at usemem 6 << 26: the host reads them after the VM
info "sha usemem $(bar-io $dev/resource4 dump $((6 << 26)) $((64 << 20)) | sha256sum | cut -d' ' -f1)"
counts=$(cat $dev/irqtest_counts)
info "MSI-X counts $counts0 -> $counts"
# vector 0: one interrupt per interrupt-mode copy (3 sizes x 2 directions), no other vector touched
want=$(echo "$counts0" | awk '{ $1 += 6; print }')
expect msix-one-per-copy "$counts" "$want"
ENGINE=0x100000 DEVRES=$dev/resource4 DEVOFF=$((16 << 20))
. /lib/jvfio/checks/dma-errors.sh
pf=$(dma-copy copy $res 0x100000 $A 0 4096 2 poll)
info "final: $pf"
# 6 round trips + 2 timing copies + 1 round trip after the errors = 16 copies, + the line above; 4 errors
expect counters "$(field "$pf" done) $(field "$pf" errors)" "17 4"
