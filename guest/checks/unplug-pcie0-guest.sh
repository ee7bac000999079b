# Guest side of scripts/e2e/checks/87-unplug.sh.
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest"; return 0; fi
info "gpu $(basename "$dev") on $(basename "$(readlink -f "$dev/..")") (pcie.0: no hotplug slot)"
echo "E2E WAITING FOR UNPLUG"
i=0
while [ -e "$dev" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
if [ -e "$dev" ]; then pass gpu-stays; else fail gpu-stays "the GPU went away"; fi
info "guest still running $((i / 5)) s later; config vendor now $(cfg_bytes "$dev" 0 2)"
