# Guest side of check 70-multi-vm, one of four guests: exactly one GPU, a pattern of its own in
# BAR4 and its SHA-256. From the host: count (bytes), seed (this guest's pattern).
set -- $(pci_devs 0x10de 0x2342)
check one-gpu test $# -eq 1
info "gpus: $*; all functions: $(ls /sys/bus/pci/devices | tr '\n' ' ')"
dev=$1
if [ -n "$dev" ]; then
  mem_enable "$dev"
  check bar4-fill bar-io "$dev/resource4" fill 0 $count $seed
  check bar4-check bar-io "$dev/resource4" check 0 $count $seed
  info "sha256 $(bar-io "$dev/resource4" dump 0 $count | sha256sum | cut -d' ' -f1)"
fi
