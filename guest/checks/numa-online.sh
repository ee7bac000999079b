# Guest side of check 35-numa-online, one GPU: guest/nvgrace-mem onlines usemem into the GPU's
# first GI node, numa-touch writes pages there (INFO touch lines the host reads back from BAR4),
# then the same split over the GPU's 8 nodes. From the host: usemem_kb (usemem in KiB).
. /lib/jvfio/checks/numa-lib.sh
dev=$(pci_devs 0x10de 0x2342 | head -1)
[ -n "$dev" ] || { fail gpu-present "no GH200 in the guest"; return 0 2>/dev/null || exit 0; }
check usemem-size-register eval "v=\$(bar-io $dev/resource0 rd32 0xe00008); [ \$(( v )) -eq $((usemem_kb * 1024)) ] || bad USEMEM_SIZE_LO \$v"
info "before: $(for nd in $(gi_nodes); do printf 'node%s %s; ' $nd "$(node_line $nd)"; done)"
insmod /lib/jvfio/nvgrace_mem.ko
modmsg | while read -r l; do info "dmesg: $l"; done
first=$(node_of $dev 2)
check bound eval "[ \"\$(basename \$(readlink $dev/driver))\" = nvgrace-mem ] || bad \$(ls -l $dev/driver)"
check first-pxm-node eval "[ -n \"$first\" ] || bad no node for PXM 2 in the module log"
first=${first:-2}
info "after: node$first (PXM 2, the GPU's first) $(node_line $first)"
check first-node-has-usemem eval "[ \$(node_kb $first) -eq $usemem_kb ] || bad node$first \$(node_kb $first) kB"
check other-gi-nodes-empty eval "t=0; for nd in \$(gi_nodes); do [ \$nd = $first ] || t=\$((t + \$(node_kb \$nd))); done; [ \$t -eq 0 ] || bad \$t kB"
check first-node-movable blocks_movable $first
check iomem-nested-in-bar4 eval "grep -B1 'System RAM (nvgrace-mem)' /proc/iomem | head -2 | grep -q \$(basename $dev) || bad \$(tail -8 /proc/iomem)"
info "iomem: $(grep -B1 'System RAM (nvgrace-mem)' /proc/iomem | tr -s ' ' | tr '\n' ';')"
touch_node $dev $first g0 8
rmmod nvgrace_mem
check removed eval "[ \$(node_kb $first) -eq 0 ] && ! grep -q nvgrace-mem /proc/iomem || bad \$(node_line $first) \$(grep nvgrace /proc/iomem)"
info "after rmmod: node$first $(node_line $first)"
# MIG-like: the same memory over the GPU's 8 nodes, one eighth each (rounded down to memory blocks)
dmesg -c >/dev/null
insmod /lib/jvfio/nvgrace_mem.ko split=8
modmsg | while read -r l; do info "dmesg: $l"; done
eighth=$(( usemem_kb / 8 / (mb >> 10) * (mb >> 10) ))
for pxm in 2 3 4 5 6 7 8 9; do
  nd=$(node_of $dev $pxm)
  want=$eighth; [ $pxm = 9 ] && want=$(( usemem_kb - 7 * eighth ))
  check "split8-pxm$pxm" eval "[ -n \"$nd\" ] && [ \$(node_kb $nd) -eq $want ] || bad PXM $pxm node \"$nd\" \$(node_kb ${nd:-0}) kB, want $want"
done
info "split=8: $(for nd in $(gi_nodes); do printf 'node%s %s kB; ' $nd $(node_kb $nd); done)"
last=$(node_of $dev 9)
touch_node $dev ${last:-9} g0n9 2
rmmod nvgrace_mem
check split8-removed eval "t=0; for nd in \$(gi_nodes); do t=\$((t + \$(node_kb \$nd))); done; [ \$t -eq 0 ] || bad \$t kB left"
