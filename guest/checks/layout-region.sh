# Guest side of check 60-layout-region: with --layout region the GPU has BAR0 only.
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
