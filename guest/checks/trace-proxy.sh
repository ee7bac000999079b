# Guest side of scripts/e2e/checks/87-trace-proxy.sh; the host passes sizes, vendor, device, ids, trace_size, trace_usemem.
set -- $sizes
dev=$(pci_devs $vendor $device | head -1)
if [ -z "$dev" ]; then fail gpu-present "no $ids function in the guest: $(ls /sys/bus/pci/devices)"; return 0 2>/dev/null || exit 0; fi
pass gpu-present
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
check bar2-64bit-prefetchable is_mem64_pref $dev 2
echo "E2E DUMP BEGIN"; config_dump $dev; echo "E2E DUMP END"
mem_enable $dev
r4=$dev/resource4 r2=$dev/resource2
check bar4-write-read bar-io $r4 fill 0 $trace_size 7
check bar4-read-back bar-io $r4 check 0 $trace_size 7
check bar4-end-of-usemem sh -c "bar-io $r4 fill $((trace_usemem - 65536)) 65536 8 && bar-io $r4 check $((trace_usemem - 65536)) 65536 8"
check bar4-past-usemem-reads-ones bar-io $r4 ones $trace_usemem 65536
check bar4-past-usemem-writes-dropped sh -c "bar-io $r4 fill $((trace_usemem + 65536)) 4096 9; bar-io $r4 ones $((trace_usemem + 65536)) 4096"
check bar2-write-read sh -c "bar-io $r2 fill 0 $trace_size 10 && bar-io $r2 check 0 $trace_size 10"
info "sha bar4 $(bar-io $r4 dump 0 $trace_size | sha256sum | cut -d' ' -f1)"
