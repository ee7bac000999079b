# Guest side of scripts/e2e/checks/87-unplug.sh.
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest"; return 0; fi
echo 8 >/proc/sys/kernel/printk # the kernel's hotplug messages straight to the console, before anything can stop the VM
mem_enable "$dev"
bdf=$(basename "$dev")
info "gpu $bdf behind $(basename "$(readlink -f "$dev/..")")"
check bar0-reads bar-io "$dev/resource0" rd32 0
echo "E2E WAITING FOR UNPLUG"
i=0
while [ -e "/sys/bus/pci/devices/$bdf" ] && [ $i -lt 900 ]; do sleep 0.2; i=$((i + 1)); done
if [ -e "/sys/bus/pci/devices/$bdf" ]; then
  fail gpu-removed "$bdf still present after 180 s"
else
  pass gpu-removed
  info "removed $((i / 5)) s after the guest started waiting"
fi
dmesg | grep -iE 'pciehp|hotplug|slot|attention|power|remov|acpiphp' | tail -12 | while read -r l; do info "dmesg: $l"; done
echo "E2E GPU GONE"
pass guest-runs-after-unplug
i=0
while [ -z "$(pci_devs 0x10de 0x2342)" ] && [ $i -lt 900 ]; do sleep 0.2; i=$((i + 1)); done
back=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$back" ]; then
  fail gpu-back "no GH200 again after 180 s"
else
  pass gpu-back
  info "back as $(basename "$back") after $((i / 5)) s, BAR4 size $(bar_size "$back" 4)"
  dmesg | grep -iE 'pciehp|slot|10de|BAR 4' | tail -6 | while read -r l; do info "dmesg: $l"; done
  mem_enable "$back"
  check bar0-reads-after-hot-add bar-io "$back/resource0" rd32 0
fi
