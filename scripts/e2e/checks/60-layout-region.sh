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
  script=$(guest_script "$n" <<'GUEST'
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest: $(ls /sys/bus/pci/devices)"; return 0; fi
pass gpu-present
info "bars: $(head -6 "$dev/resource" | tr '\n' ' ')"
check bar0-16MiB sh -c "[ $(bar_size "$dev" 0) -eq 16777216 ] || { echo 'BAR0 size $(bar_size "$dev" 0)'; false; }"
for b in 1 2 3 4 5; do
  check "bar$b-absent" sh -c "[ $(bar_size "$dev" $b) -eq 0 ] || { echo 'BAR$b size $(bar_size "$dev" $b)'; false; }"
done
check no-resource2-4 sh -c "[ ! -e $dev/resource2 ] && [ ! -e $dev/resource4 ] || ls $dev"
check config-bar2-bar4-zero sh -c "[ $(cfg_bytes "$dev" 0x18 16) = 00000000000000000000000000000000 ] || { echo '0x18..0x27: $(cfg_bytes "$dev" 0x18 16)'; false; }"
GUEST
)
  guest_run "$n" "$script"
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
