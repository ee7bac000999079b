# --layout region: the device memory is not a BAR but an mmap-only device-specific region (index 9,
# the design upstream argued about, DESIGN "masking BARs 2 and 4"). QEMU knows nothing of region 9,
# so the guest sees the GH200 with BAR0 only (BAR2/BAR4 and their upper halves size 0), while a host
# vfio-user client (jvfio lspci) lists region 9 with the device memory's size.
n=layout-region
if serve_start "$n" --mem-size 4G --layout region; then
  "$JVFIO" lspci --socket "$WORK/$n.sock" -v >"$WORK/$n.host-lspci" 2>&1 || fail "$n/host-lspci" "$(tail -2 "$WORK/$n.host-lspci")"
  r9=$(grep -E '^\s*Region 9 ' "$WORK/$n.host-lspci")
  note "$n: host: $(echo "$r9" | sed 's/^\s*//')"
  check "$n/host-region9-4GiB" sh -c "echo '$r9' | grep -q 'size 4 GiB (0x100000000)' || { echo 'no 4 GiB region 9: $r9'; false; }"
  check "$n/host-bar2-bar4-absent" sh -c "grep -qE '^\s*Region 2 \(BAR2\): absent' '$WORK/$n.host-lspci' && grep -qE '^\s*Region 4 \(BAR4\): absent' '$WORK/$n.host-lspci'"
  qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2 || fail "$n/qemu-args" "failed"
  script=$(guest_script "$n" layout-region)
  guest_run "$n" "$script"
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
