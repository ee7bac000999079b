# Guest side of check 10-gpu-profiles: the GPU at devfn 0 behind its root port, class 0302,
# every BAR's size and flags; then the config space as an lspci -xxxx dump for the host's pciutils.
# From the host: vendor and device (0x10de 0x2342), ids (10de:2342, for messages) and sizes (the
# six BAR sizes the server describes, in order).
set -- $sizes
dev=$(pci_devs $vendor $device | head -1)
if [ -z "$dev" ]; then fail gpu-present "no $ids function in the guest: $(ls /sys/bus/pci/devices)"; return 0 2>/dev/null || exit 0; fi
pass gpu-present
info "device $(basename $dev) class $(cat $dev/class)"
expect devfn-0 "$(basename $dev | cut -d: -f3)" 00.0
expect behind-root-port "$(cat $dev/../class)" 0x060400
expect class-0302 "$(cat $dev/class)" 0x030200
b=0
for want in "$@"; do
  got=$(bar_size $dev $b)
  expect "bar$b-size" "$(( got ))" "$(( want ))"
  b=$((b + 1))
done
f=$(bar_flags $dev 0)
expect bar0-64bit-nonprefetchable "$(( f & 0x100000 )) $(( f & 0x2000 ))" "1048576 0"
check bar4-64bit-prefetchable is_mem64_pref $dev 4
if [ $(( $3 )) -ne 0 ]; then check bar2-64bit-prefetchable is_mem64_pref $dev 2; fi
info "bars: $(head -6 $dev/resource | tr '\n' ' ')"
echo "E2E DUMP BEGIN"; config_dump $dev; echo "E2E DUMP END"
