# Guest side of check 30-numa: generic-initiator nodes 2-last and the SRAT's Generic Initiator
# entries, 8 per GPU with that GPU's BDF. From the host: gpus (how many GPUs), last (the last GI node).
expect generic-initiator-nodes-2-$last "$(cat /sys/devices/system/node/has_generic_initiator)" 2-$last
info "nodes possible $(cat /sys/devices/system/node/possible) online $(cat /sys/devices/system/node/online) memory $(cat /sys/devices/system/node/has_memory) cpu $(cat /sys/devices/system/node/has_cpu) gi $(cat /sys/devices/system/node/has_generic_initiator)"
srat-gi >/tmp/gi 2>&1
expect srat-gi-entries "$(wc -l </tmp/gi)" $((8 * gpus))
info "srat gi: $(tr '\n' ';' </tmp/gi)"
i=0
for dev in $(pci_devs 0x10de 0x2342); do
  bdf=$(basename $dev)
  first=$((2 + 8 * i))
  want=$(seq $first $((first + 7)) | tr '\n' ' ')
  got=$(awk -v b=$bdf '$2 == b && $3 == 1 {print $1}' /tmp/gi | sort -n | tr '\n' ' ')
  info "gpu$i $bdf: proximity domains $got"
  expect "gpu$i-srat-names-its-bdf" "$got" "$want"
  i=$((i + 1))
done
expect gpus-seen "$i" $gpus
