# BAR4 (usemem) and BAR2 (resmem) from inside a guest: written and read back through QEMU's mapping
# of the sparse mmap area (default, memory-enable ignore) and through traps (memory-enable strict
# offers no mmap, so every access is a REGION_READ/WRITE); reads past usemem are all ones and writes
# there are dropped (NV-4.2); the bytes the guest wrote are in device memory: a host client reading
# the same offsets afterwards (jvfio peek) sees the same SHA-256.
# A 4 GiB GH200: usemem = roundDown(4 GiB - 1 GiB, 512 MiB) = 3 GiB in a 4 GiB BAR4; resmem 1 GiB.
usemem=$((3 << 30))
for mode in ignore strict; do
  n=bar-$mode
  if [ "$mode" = ignore ]; then size=$((1 << 20)); else size=$((64 << 10)); fi  # traps are slow (E2E-8)
  serve_start "$n" --mem-size 4G --memory-enable "$mode" || { fail "$n/serve" "did not start"; continue; }
  "$JVFIO" lspci --socket "$WORK/$n.sock" -v >"$WORK/$n.host-lspci" 2>&1
  if [ "$mode" = ignore ]; then
    check "$n/usemem-is-the-mmap-area" grep -q "mmap area \[0x0-$(printf '0x%x' $((usemem - 1)))\]" "$WORK/$n.host-lspci"
  else
    check "$n/no-mmap-when-strict" sh -c "! grep -E 'Region 4 .*MMAP' '$WORK/$n.host-lspci'"
  fi
  qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2 || { fail "$n/qemu-args" "failed"; continue; }
  script=$(guest_script "$n" bar-access size="$size" usemem="$usemem" bar4_size=$((4 << 30)))
  guest_run "$n" "$script"
  # QEMU has exited: the host is now the only client; device memory still holds what the guest wrote.
  for what in "bar4 4 0 $size" "bar4end 4 $((usemem - 65536)) 65536" "bar2 2 0 $size"; do
    set -- $what
    g=$(guest_info "$n" "sha $1 ")
    h=$("$JVFIO" peek --socket "$WORK/$n.sock" --region "$2" --offset "$3" --count "$4" --sha256 2>&1)
    check "$n/host-sees-guest-bytes-$1" test -n "$g" -a "$g" = "$h"
  done
  serve_stop "$n"
done
