# Guest side of check 32-grace-topology: GPU g on CPU node g, CPUs on nodes 0-1.
i=0
for dev in $(pci_devs 0x10de 0x2342); do
  info "gpu$i $(basename $dev) numa_node $(cat $dev/numa_node) behind $(basename $(readlink -f $dev/..))"
  expect "gpu$i-numa-node" "$(cat $dev/numa_node)" "$i"
  i=$((i + 1))
done
expect gpus-seen "$i" 2
expect cpu-nodes "$(cat /sys/devices/system/node/has_cpu)" 0-1
