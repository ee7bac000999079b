# Guest side of scripts/e2e/checks/97-deb-package.sh; the host passes A, deb_copies.
dev=$(pci_devs 0x10de 0x2342 | head -1)
check gpu-present test -n "$dev"
if [ -n "$dev" ]; then
  info "gpu $(basename $dev) class $(cat $dev/class) bar4 $(bar_size $dev 4)"
  pci-cfg $dev/config set16 4 6
  dma-copy fill $A 4096 7
  ok=0
  for i in $(seq $deb_copies); do
    out=$(dma-copy copy $dev/resource0 0x100000 $A $((i << 20)) 4096 2 poll)
    case "$out" in *" status=0x2 "*) ok=$((ok + 1)) ;; *) info "copy $i: $out" ;; esac
  done
  expect engine-copies "$ok" "$deb_copies"
  info "holding"
  sleep 20
fi
