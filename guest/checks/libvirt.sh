# Guest side of check 88-libvirt: the GPU of a libvirt domain, its BARs and GI nodes 2-9.
# From the host: hold (1: the guest waits after its checks, until the host destroys the domain).
set -- $(pci_devs 0x10de 0x2342)
check one-gpu test $# -eq 1
dev=$1
if [ -n "$dev" ]; then
  info "gpu $(basename $dev) behind $(basename $(readlink -f $dev/..)) class $(cat $dev/class) numa_node $(cat $dev/numa_node)"
  for b in 0 1 2 3 4 5; do info "bar$b-size $(bar_size $dev $b)"; done
  f=$(bar_flags $dev 0)
  expect bar0-64bit-nonprefetchable "$(( f & 0x100000 )) $(( f & 0x2000 ))" "1048576 0"
  check bar2-64bit-prefetchable is_mem64_pref $dev 2
  check bar4-64bit-prefetchable is_mem64_pref $dev 4
  info "bars: $(head -6 $dev/resource | tr '\n' ' ')"
fi
expect generic-initiator-nodes-2-9 "$(cat /sys/devices/system/node/has_generic_initiator)" 2-9
info "nodes online $(cat /sys/devices/system/node/online) cpu $(cat /sys/devices/system/node/has_cpu) gi $(cat /sys/devices/system/node/has_generic_initiator)"
info "pci: $(for d in /sys/bus/pci/devices/*; do echo $(basename $d)=$(cat $d/vendor):$(cat $d/device); done | tr '\n' ' ')"
if [ "$hold" = 1 ]; then info "holding"; sleep 600; fi
