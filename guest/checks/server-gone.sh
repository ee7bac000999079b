# Guest side of check 80-server-gone, one round: a pattern in BAR4, its SHA-256, then "E2E KILL
# SERVER NOW" and what BAR0 (trapped) and BAR4 (mapped) read for 10 s after the host killed serve.
# From the host: gone_len (bytes), seed (this round's pattern), prev (the previous round's, or empty).
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest"; return 0; fi
mem_enable "$dev"
r0=$dev/resource0 r4=$dev/resource4
if [ -n "$prev" ]; then check restart-kept-previous-pattern bar-io "$r4" check 0 $gone_len $prev; fi
check bar4-fill bar-io "$r4" fill 0 $gone_len $seed
info "sha256 $(bar-io "$r4" dump 0 $gone_len | sha256sum | cut -d' ' -f1)"
sync
echo "E2E KILL SERVER NOW"
i=0
while [ $i -lt 10 ]; do
  sleep 1; i=$((i + 1))
  v=$(bar-io "$r0" rd32 0x1498 2>&1); rc=$?
  m=$(bar-io "$r4" check 0 0x1000 $seed 2>&1); mrc=$?
  info "after-kill t+${i}s: BAR0 0x1498 (trapped) -> $v (exit $rc); BAR4 (mapped) check -> exit $mrc $m"
done
info "after-kill: config command $(cfg_bytes "$dev" 4 2), vendor $(cfg_bytes "$dev" 0 2)"
info "after-kill: the guest is still running 10 s after the server died"
