# Sourced by dma-gpu.sh and dma-sample.sh (check 55-dma-engine): Bus Master off, a bus address no
# DMA window covers, and a round trip after those errors. Set before: dev, res, cfg, ENGINE (the
# engine's BAR0 offset), DEVRES (the resource file of device memory), DEVOFF (an offset in it),
# and from the host A, B, C (guest buffers) and BAD (a bus address beyond guest RAM).
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# Bus Master off: 0x82 at the doorbell, no memory touched in either direction
dma-copy fill $C 4096 51; bar-io $DEVRES fill $DEVOFF 4096 52; dma-copy fill $A 4096 53
pci-cfg $cfg clr16 4 4
out1=$(dma-copy copy $res $ENGINE $C $DEVOFF 4096 2 poll)
out2=$(dma-copy copy $res $ENGINE $DEVOFF $A 4096 1 poll)
pci-cfg $cfg set16 4 4
info "bus-master-off: $out1"
info "bus-master-off: $out2"
expect bus-master-off-to-device "$(field "$out1" status) $(field "$out1" fault)" "0x82 0x0"
expect bus-master-off-to-guest "$(field "$out2" status) $(field "$out2" fault)" "0x82 0x0"
check bus-master-off-device-untouched bar-io $DEVRES check $DEVOFF 4096 52
check bus-master-off-guest-untouched dma-copy check $A 4096 53
# a bus address no DMA window covers: 0x81, FAULT = that address
out1=$(dma-copy copy $res $ENGINE $BAD $DEVOFF 4096 2 poll)
out2=$(dma-copy copy $res $ENGINE $DEVOFF $BAD 4096 1 poll)
info "bad-address: $out1"
info "bad-address: $out2"
expect bad-address-source "$(field "$out1" status) $(field "$out1" fault)" "0x81 $BAD"
expect bad-address-destination "$(field "$out2" status) $(field "$out2" fault)" "0x81 $BAD"
check bad-address-device-untouched bar-io $DEVRES check $DEVOFF 4096 52
# the engine still works after the errors
check after-errors-roundtrip dma-copy roundtrip $res $ENGINE $A $B 4096 $DEVOFF 54 poll $DEVRES
