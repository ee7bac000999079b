# Guest side of check 35-numa-online with --memory-enable strict: BAR4 is trapped, not mapped, so
# guest/nvgrace-mem must refuse and leave the guest running.
. /lib/jvfio/checks/numa-lib.sh
dev=$(pci_devs 0x10de 0x2342 | head -1)
[ -n "$dev" ] || { fail gpu-present "no GH200 in the guest"; return 0 2>/dev/null || exit 0; }
insmod /lib/jvfio/nvgrace_mem.ko
modmsg | while read -r l; do info "dmesg: $l"; done
check refused-clearly eval "modmsg | grep -q 'refusing: BAR4 is trapped by the VMM' || bad \$(modmsg)"
check not-bound eval "[ ! -e $dev/driver ] || bad \$(ls -l $dev/driver)"
check gi-nodes-still-empty eval "t=0; for nd in \$(gi_nodes); do t=\$((t + \$(node_kb \$nd))); done; [ \$t -eq 0 ] || bad \$t kB"
check no-system-ram-added eval "! grep nvgrace-mem /proc/iomem"
check guest-alive eval "echo alive >/tmp/alive && [ \$(cat /tmp/alive) = alive ]"
rmmod nvgrace_mem
