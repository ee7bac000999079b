# Guest side of check 90-arm64 (arm virt with UEFI): the GPU's BARs in the high MMIO window, its
# GI nodes, and BAR4 written and read back. From the host: vendor, device, ids, sizes (as in
# gpu-profile.sh), gpus, high_window (where the high MMIO window starts), last (the last GI node
# the guest kernel can hold) and size (bytes written into BAR4; 0: none).
info "arch $(uname -m)"
set -- $sizes
dev=$(pci_devs $vendor $device | head -1)
[ -n "$dev" ] || { fail gpu-present "no $ids in the guest: $(ls /sys/bus/pci/devices | tr '\n' ' ')"; return 0; }
pass gpu-present
expect gpus-seen "$(pci_devs $vendor $device | wc -l)" $gpus
expect devfn-0 "$(basename $dev | cut -d: -f3)" 00.0
b=0
for want in "$@"; do expect "bar$b-size" "$(bar_size $dev $b)" "$(( want ))"; b=$((b + 1)); done
check bar4-64bit-prefetchable is_mem64_pref $dev 4
set -- $(bar $dev 4)
expect bar4-in-high-mmio-window "$(( $1 >= $high_window ))" 1
info "bar4 at $1"
expect generic-initiator-nodes "$(cat /sys/devices/system/node/has_generic_initiator 2>/dev/null)" 2-$last
if [ "$size" != 0 ]; then
  mem_enable $dev
  r4=$dev/resource4
  check bar4-write-read sh -c "bar-io $r4 fill 0 $size 21 && bar-io $r4 check 0 $size 21"
  info "sha bar4 $(bar-io $r4 dump 0 $size | sha256sum | cut -d' ' -f1)"
fi
