# Guest side of check 35-numa-online with 2 GPUs: each GPU's memory in its own nodes (gpu0 PXM
# 2..9, gpu1 PXM 10..17). From the host: usemem_kb (usemem of each GPU in KiB).
. /lib/jvfio/checks/numa-lib.sh
set -- $(pci_devs 0x10de 0x2342)
[ $# = 2 ] || { fail two-gpus "want 2 GH200 in the guest, have $#: $*"; return 0 2>/dev/null || exit 0; }
d0=$1 d1=$2
info "gpus: $(basename $d0) $(basename $d1)"
info "before: $(for nd in $(gi_nodes); do printf 'node%s %s kB; ' $nd $(node_kb $nd); done)"
insmod /lib/jvfio/nvgrace_mem.ko
modmsg | while read -r l; do info "dmesg: $l"; done
n0=$(node_of $d0 2) n1=$(node_of $d1 10)
info "after: gpu0 node${n0:-?} (PXM 2) $(node_line ${n0:-0}); gpu1 node${n1:-?} (PXM 10) $(node_line ${n1:-0})"
check gpu0-in-its-first-node eval "[ -n \"$n0\" ] && [ \$(node_kb $n0) -eq $usemem_kb ] || bad gpu0 node \"$n0\": \$(modmsg | grep added)"
check gpu1-in-its-first-node eval "[ -n \"$n1\" ] && [ \$(node_kb $n1) -eq $usemem_kb ] || bad gpu1 node \"$n1\": \$(modmsg | grep added)"
check other-gi-nodes-empty eval "t=0; for nd in \$(gi_nodes); do [ \$nd = $n0 ] || [ \$nd = $n1 ] || t=\$((t + \$(node_kb \$nd))); done; [ \$t -eq 0 ] || bad \$t kB"
check gpu0-node-movable blocks_movable ${n0:-2}
check gpu1-node-movable blocks_movable ${n1:-10}
touch_node $d0 ${n0:-2} gpu0 4
touch_node $d1 ${n1:-10} gpu1 4
rmmod nvgrace_mem
check removed eval "t=0; for nd in \$(gi_nodes); do t=\$((t + \$(node_kb \$nd))); done; [ \$t -eq 0 ] || bad \$t kB left"
# split=8 on both: 16 nodes, gpu0's parts in PXM 2..9, gpu1's in PXM 10..17, none shared
dmesg -c >/dev/null
insmod /lib/jvfio/nvgrace_mem.ko split=8
check split8-gpu0-pxm-2-9 eval "[ \$(modmsg | grep -c \"$(basename $d0): node .*PXM [2-9]\$\") = 8 ] || bad \$(modmsg | grep added)"
check split8-gpu1-pxm-10-17 eval "[ \$(modmsg | grep -c \"$(basename $d1): node .*PXM 1[0-7]\$\") = 8 ] || bad \$(modmsg | grep added)"
check split8-16-distinct-nodes eval "[ \$(modmsg | sed -n 's/.*: node \\([0-9]*\\): added.*/\\1/p' | sort -u | wc -l) = 16 ] || bad \$(modmsg | grep added)"
check split8-every-gi-node-has-memory eval "e=; for nd in \$(gi_nodes); do [ \$(node_kb \$nd) -gt 0 ] || e=\"\$e node\$nd\"; done; [ -z \"\$e\" ] || bad empty:\$e"
info "split=8: $(for nd in $(gi_nodes); do printf 'node%s %s kB; ' $nd $(node_kb $nd); done)"
rmmod nvgrace_mem
