# Guest side of check 20-bar-access: BAR4 (usemem) and BAR2 (resmem) written and read back, all
# ones past usemem and writes there dropped; SHA-256 lines the host compares with jvfio peek.
# From the host: size (bytes moved at each place), usemem (BAR4's usemem size), bar4_size.
dev=$(pci_devs 0x10de 0x2342 | head -1)
[ -n "$dev" ] || { fail gpu-present "no GPU"; return 0; }
mem_enable $dev
r4=$dev/resource4 r2=$dev/resource2
check bar4-write-read bar-io $r4 fill 0 $size 7
check bar4-read-back bar-io $r4 check 0 $size 7
check bar4-end-of-usemem sh -c "bar-io $r4 fill $((usemem - 65536)) 65536 8 && bar-io $r4 check $((usemem - 65536)) 65536 8"
check bar4-past-usemem-reads-ones bar-io $r4 ones $usemem 65536
check bar4-past-usemem-writes-dropped sh -c "bar-io $r4 fill $((usemem + 65536)) 4096 9; bar-io $r4 ones $((usemem + 65536)) 4096"
check bar4-last-bytes-read-ones bar-io $r4 ones $((bar4_size - 4096)) 4096
check bar2-write-read sh -c "bar-io $r2 fill 0 $size 10 && bar-io $r2 check 0 $size 10"
info "sha bar4 $(bar-io $r4 dump 0 $size | sha256sum | cut -d' ' -f1)"
info "sha bar4end $(bar-io $r4 dump $((usemem - 65536)) 65536 | sha256sum | cut -d' ' -f1)"
info "sha bar2 $(bar-io $r2 dump 0 $size | sha256sum | cut -d' ' -f1)"
