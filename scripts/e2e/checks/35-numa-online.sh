# GPU memory onlined as NUMA memory in the GPU's generic-initiator nodes (docs/guest-memory.md).
# The guest loads guest/nvgrace-mem (no vendor driver): BAR4's usemem becomes driver-managed System
# RAM in the GPU's first GI node (then split over all 8, MIG-like), onlined movable; numa-touch binds
# pages to that node and writes a tagged line into each; after the guest is gone the host reads the
# same bytes back from BAR4 through the socket (jvfio peek) at physical address - BAR4 start.
# Also: with --memory-enable strict (BAR4 trapped, not mapped) the module refuses and the guest lives
# on; with 2 GPUs each GPU's memory lands in its own nodes.
# Small GPUs (4 GiB: 3 GiB usemem) so the hot-added memmap (64 bytes per 4 KiB page) fits a 2 GiB guest.
# Guest side: guest/checks/numa-online.sh, numa-strict.sh, numa-2gpu.sh and what they share, numa-lib.sh.

numa_mem=4G
numa_usemem_kb=$(( 3 * 1024 * 1024 ))

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
  script=$(guest_script "$n" numa-online usemem_kb="$numa_usemem_kb")
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
  script=$(guest_script "$n" numa-strict)
  guest_run "$n" "$script"
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi

# ---- 2 GPUs: each GPU's memory in its own nodes (qemu-args: gpu0 PXM 2..9, gpu1 PXM 10..17) ----
n=numa-2gpu
if serve_start "$n" --mem-size "$numa_mem" --socket "$WORK/$n-0.sock" --socket "$WORK/$n-1.sock"; then
  qemu_args --socket "$WORK/$n-0.sock" --socket "$WORK/$n-1.sock" --mem-size "$numa_mem" --ram 2G --cpus 2
  script=$(guest_script "$n" numa-2gpu usemem_kb="$numa_usemem_kb")
  # gpu0's pages must be in the first socket's device memory, gpu1's in the second's
  guest_run "$n" "$script" && { numa_readback "$n" gpu0 "$WORK/$n-0.sock"; numa_readback "$n" gpu1 "$WORK/$n-1.sock"; }
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
