# GPU memory onlined as NUMA memory in the GPU's generic-initiator nodes (issue 12, docs/guest-memory.md).
# The guest loads guest/nvgrace-mem (no vendor driver): BAR4's usemem becomes driver-managed System
# RAM in the GPU's first GI node (then split over all 8, MIG-like), onlined movable; numa-touch binds
# pages to that node and writes a tagged line into each; after the guest is gone the host reads the
# same bytes back from BAR4 through the socket (jvfio peek) at physical address - BAR4 start.
# Also: with --memory-enable strict (BAR4 trapped, not mapped) the module refuses and the guest lives
# on; with 2 GPUs each GPU's memory lands in its own nodes.
# Small GPUs (4 GiB: 3 GiB usemem) so the hot-added memmap (64 bytes per 4 KiB page) fits a 2 GiB guest.

numa_mem=4G
numa_usemem_kb=$(( 3 * 1024 * 1024 ))

# The guest-side functions every scenario uses (busybox sh).
numa_guest_lib() {
  cat <<'GUEST'
bad() { echo "$*"; return 1; }
# node_of DEV PXM: the guest node the module put DEV's memory for proximity domain PXM into (from its log)
node_of() { modmsg | sed -n "s/.*$(basename $1): node \([0-9]*\): added .*, PXM $2\$/\1/p" | tail -1; }
gi_nodes() { # the generic-initiator nodes, one a line (from "2-9" or "2-17")
  r=$(cat /sys/devices/system/node/has_generic_initiator); seq ${r%-*} ${r#*-}
}
node_kb() { # NODE: MemTotal in kB (0 when the node is offline: a memoryless node goes away with its memory)
  if [ -r /sys/devices/system/node/node$1/meminfo ]; then awk '/MemTotal/ {print $4}' /sys/devices/system/node/node$1/meminfo; else echo 0; fi
}
node_line() { # NODE: "MemTotal X kB MemFree Y kB" for INFO lines
  if [ -r /sys/devices/system/node/node$1/meminfo ]; then
    awk '/MemTotal|MemFree/ {printf "%s %s kB ", $3, $4}' /sys/devices/system/node/node$1/meminfo
  else echo "offline (no meminfo)"; fi
}
blocks_movable() { # NODE: every memory block of the node online in ZONE_MOVABLE
  n=0
  for b in /sys/devices/system/node/node$1/memory*; do
    [ -e "$b/state" ] || continue
    n=$((n + 1))
    [ "$(cat $b/state)" = online ] || { echo "$(basename $b) $(cat $b/state)"; return 1; }
    case "$(cat $b/valid_zones)" in Movable*) ;; *) echo "$(basename $b) zones $(cat $b/valid_zones)"; return 1;; esac
  done
  [ $n -gt 0 ] || { echo "node $1 has no memory blocks"; return 1; }
}
modmsg() { dmesg | grep 'nvgrace' | sed 's/^\[[^]]*\] //'; }
# touch DEV NODE TAG PAGES: numa-touch into NODE; INFO "touch TAG OFFSET TEXT" per page (OFFSET in BAR4)
touch_node() {
  b4=$(bar $1 4 | cut -d' ' -f1)
  numa-touch $2 $4 $3 >/tmp/touch.$3 2>&1; rc=$?
  check "numa-touch-$3-node$2" eval "[ $rc = 0 ] || bad \"\$(cat /tmp/touch.$3)\""
  grep '^PAGE ' /tmp/touch.$3 | while read -r _ i nd ph tx; do
    phys=${ph#phys=}
    info "touch $3 $(printf '0x%x' $(( phys - b4 ))) ${tx#text=}"
  done
  info "$(tail -1 /tmp/touch.$3)"
}
mb=$(( $(cat /sys/devices/system/memory/block_size_bytes | sed 's/^/0x/') ))
info "memory block $((mb >> 20)) MiB; generic-initiator nodes $(cat /sys/devices/system/node/has_generic_initiator 2>/dev/null)"
# dax/kmem and the vendor driver leave onlining to this policy: movable, so the memory can go again
echo online_movable >/sys/devices/system/memory/auto_online_blocks
GUEST
}

# Host: compare each "touch TAG OFFSET TEXT" line of guest NAME with BAR4 of SOCKET at OFFSET.
numa_readback() { # NAME TAG SOCKET
  local name=$1 tag=$2 sock=$3 n=0 bad="" off text
  while read -r off text; do
    n=$((n + 1))
    printf '%s\n' "$text" >"$WORK/$name.$tag.want"
    if ! "$JVFIO" peek --socket "$sock" --region 4 --offset "$off" --count "$(stat -c %s "$WORK/$name.$tag.want")" \
        --out "$WORK/$name.$tag.got" >"$WORK/$name.peek.log" 2>&1; then
      bad="peek failed: $(tail -1 "$WORK/$name.peek.log")"; break
    fi
    cmp -s "$WORK/$name.$tag.want" "$WORK/$name.$tag.got" || { bad="BAR4+$off: '$(tr -d '\n' <"$WORK/$name.$tag.got" | tr -c '[:print:]' .)' != '$text'"; break; }
    [ $n -gt 1 ] || note "$name: host read-back BAR4+$off: $("$JVFIO" peek --socket "$sock" --region 4 --offset "$off" --count 48 | head -3 | tr '\n' '|')"
  done < <(guest_info "$name" "touch $tag ")
  if [ -n "$bad" ]; then fail "$name/host-readback-$tag" "$bad"
  elif [ $n = 0 ]; then fail "$name/host-readback-$tag" "the guest reported no touched pages"
  else pass "$name/host-readback-$tag"; note "$name: $n pages written by the guest in node memory read back from BAR4 by the host"; fi
}

# ---- one GPU: online into the GPU's first GI node, write, read back; then split over 8 nodes; remove ----
n=numa-online
if serve_start "$n" --mem-size "$numa_mem"; then
  qemu_args --socket "$WORK/$n.sock" --mem-size "$numa_mem" --ram 2G --cpus 2
  script=$( { numa_guest_lib; cat <<GUEST
usemem_kb=$numa_usemem_kb
GUEST
  cat <<'GUEST'
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
GUEST
} | guest_script "$n")
  # QEMU has exited (one client per socket); the device memory is still in the server
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} guest_run "$n" "$script" && { numa_readback "$n" g0 "$WORK/$n.sock"; numa_readback "$n" g0n9 "$WORK/$n.sock"; }
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi

# ---- --memory-enable strict: BAR4 is trapped, not mapped; the module must refuse, the guest live on ----
n=numa-strict
if serve_start "$n" --mem-size "$numa_mem" --memory-enable strict; then
  qemu_args --socket "$WORK/$n.sock" --mem-size "$numa_mem" --ram 2G --cpus 2
  script=$( { numa_guest_lib; cat <<'GUEST'
dev=$(pci_devs 0x10de 0x2342 | head -1)
[ -n "$dev" ] || { fail gpu-present "no GH200 in the guest"; return 0 2>/dev/null || exit 0; }
insmod /lib/jvfio/nvgrace_mem.ko
modmsg | while read -r l; do info "dmesg: $l"; done
check refused-clearly eval "modmsg | grep -q 'refusing: BAR4 is trapped by the VMM' || bad \$(modmsg)"
check not-bound eval "[ ! -e $dev/driver ] || bad \$(ls -l $dev/driver)"
check gi-nodes-still-empty eval "t=0; for nd in \$(gi_nodes); do t=\$((t + \$(node_kb \$nd))); done; [ \$t -eq 0 ] || bad \$t kB"
check no-system-ram-added eval "! grep nvgrace-mem /proc/iomem"
check guest-alive eval "echo alive >/tmp/alive && [ \$(cat /tmp/alive) = alive ]"
rmmod nvgrace_mem
GUEST
} | guest_script "$n")
  guest_run "$n" "$script"
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi

# ---- 2 GPUs: each GPU's memory in its own nodes (qemu-args: gpu0 PXM 2..9, gpu1 PXM 10..17) ----
n=numa-2gpu
if serve_start "$n" --mem-size "$numa_mem" --socket "$WORK/$n-0.sock" --socket "$WORK/$n-1.sock"; then
  qemu_args --socket "$WORK/$n-0.sock" --socket "$WORK/$n-1.sock" --mem-size "$numa_mem" --ram 2G --cpus 2
  script=$( { numa_guest_lib; cat <<GUEST
usemem_kb=$numa_usemem_kb
GUEST
  cat <<'GUEST'
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
GUEST
} | guest_script "$n")
  # gpu0's pages must be in the first socket's device memory, gpu1's in the second's
  guest_run "$n" "$script" && { numa_readback "$n" gpu0 "$WORK/$n-0.sock"; numa_readback "$n" gpu1 "$WORK/$n-1.sock"; }
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
