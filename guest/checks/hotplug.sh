# Guest side of check 85-hotplug: one GPU at boot; waits (up to 120 s, a rescan after 60 s) for a
# second one the host hot-adds with QMP device_add, then checks where and how it appeared.
set -- $(pci_devs 0x10de 0x2342)
check one-gpu-at-boot test $# -eq 1
info "waiting for a hot-added GPU"
i=0 rescanned=""
while [ $i -lt 600 ]; do
  set -- $(pci_devs 0x10de 0x2342)
  [ $# -ge 2 ] && break
  # after 60 s without the hotplug interrupt, try a rescan (reported, so we know which one worked)
  if [ $i -eq 300 ]; then echo 1 >/sys/bus/pci/rescan; rescanned=1; fi
  sleep 0.2; i=$((i + 1))
done
if [ $# -lt 2 ]; then
  fail gpu-hot-added "no second 10de:2342 function after 120 s: $(ls /sys/bus/pci/devices | tr '\n' ' ')"
else
  pass gpu-hot-added
  info "seen after $((i / 5)) s$([ -n "$rescanned" ] && echo ', only after /sys/bus/pci/rescan' || echo ' without a rescan (hotplug interrupt)')"
  expect no-rescan-needed "${rescanned:-no}" no
  dev=$2
  info "new gpu $(basename $dev) behind $(basename $(readlink -f $dev/..)) class $(cat $dev/class)"
  expect devfn-0 "$(basename $dev | cut -d: -f3)" 00.0
  expect behind-root-port "$(cat $dev/../class)" 0x060400
  for b in 0 1 2 3 4 5; do info "bar$b-size $(bar_size $dev $b)"; done
  f=$(bar_flags $dev 0)
  expect bar0-64bit-nonprefetchable "$(( f & 0x100000 )) $(( f & 0x2000 ))" "1048576 0"
  check bar2-64bit-prefetchable is_mem64_pref $dev 2
  check bar4-64bit-prefetchable is_mem64_pref $dev 4
  info "bars: $(head -6 $dev/resource | tr '\n' ' ')"
  dmesg | grep -iE 'pciehp|hotplug|0000:0[0-9]:00.0: BAR' | tail -12 | while read -r l; do info "dmesg: $l"; done
fi
