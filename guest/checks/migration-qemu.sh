# Guest side of scripts/e2e/checks/82-migration-qemu.sh; the host passes mig_src_reg, mig_len, mig_seed.
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest"; return 0; fi
mem_enable "$dev"
r0=$dev/resource0 r4=$dev/resource4
bar-io "$r0" wr32 0x100000 $mig_src_reg
check bar4-fill bar-io "$r4" fill 0 $mig_len $mig_seed
state() {
  echo "command $(cfg_bytes "$dev" 4 2); BAR0 SRC_LO (trapped) $(bar-io "$r0" rd32 0x100000 2>&1); BAR0 0x1498 $(bar-io "$r0" rd32 0x1498 2>&1); BAR4 (mapped) check: $(bar-io "$r4" check 0 0x1000 $mig_seed >/dev/null 2>&1 && echo pattern || echo no-pattern)"
}
info "before: $(state)"
info "before-sha256 $(bar-io "$r4" dump 0 $mig_len | sha256sum | cut -d' ' -f1)"
info "before-src-lo $(bar-io "$r0" rd32 0x100000)"
sync
echo "E2E MIGRATE NOW"
i=0
while [ $i -lt 40 ]; do
  sleep 1; i=$((i + 1))
  if [ $i -le 2 ] || [ $((i % 10)) -eq 0 ]; then info "t+${i}s: $(state)"; fi
done
info "after-sha256 $(bar-io "$r4" dump 0 $mig_len 2>/dev/null | sha256sum | cut -d' ' -f1)"
info "after-src-lo $(bar-io "$r0" rd32 0x100000 2>&1)"
info "after-command $(cfg_bytes "$dev" 4 2)"
